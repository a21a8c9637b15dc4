/* cmd_plugins: not written yet. */
typedef int ts_placeholder_cmd_plugins;
