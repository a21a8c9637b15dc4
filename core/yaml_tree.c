/* yaml_tree: not written yet. */
typedef int ts_placeholder_yaml_tree;
