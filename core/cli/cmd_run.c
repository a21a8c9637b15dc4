/* cmd_run: not written yet. */
typedef int ts_placeholder_cmd_run;
