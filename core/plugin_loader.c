/* plugin_loader: not written yet. */
typedef int ts_placeholder_plugin_loader;
