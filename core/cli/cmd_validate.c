/* cmd_validate: not written yet. */
typedef int ts_placeholder_cmd_validate;
