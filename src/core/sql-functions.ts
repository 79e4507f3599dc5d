/**
 * The functions user SQL may call, per store: an allowlist, never a blocklist. Aggregates, window
 * functions, text, numbers, dates and JSON; nothing that reads files or large objects, loads code,
 * changes settings, reaches another database or reports on the server (`load_extension`, `pg_read_file`,
 * `lo_*`, `set_config`, `current_setting`, `dblink`, `query_to_xml`, `pg_*`, …).
 */

const COMMON = [
  // aggregates
  "count", "sum", "avg", "min", "max", "string_agg",
  // window functions
  "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
  // values
  "coalesce", "nullif", "abs", "round", "sign", "ceil", "ceiling", "floor", "trunc", "mod", "power", "pow", "sqrt", "exp", "ln", "log", "pi", "random",
  // text
  "lower", "upper", "length", "substr", "substring", "trim", "ltrim", "rtrim", "replace", "concat", "concat_ws", "octet_length", "like",
] as const;

export const SQLITE_FUNCTIONS: readonly string[] = [
  ...COMMON,
  "total", "group_concat", "median", "percentile", "percentile_cont", "percentile_disc",
  "ifnull", "iif", "if", "instr", "char", "unicode", "hex", "printf", "format", "quote", "typeof", "glob", "likely", "unlikely", "likelihood",
  "log2", "log10", "acos", "asin", "atan", "atan2", "cos", "sin", "tan", "degrees", "radians",
  "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff",
  "json", "json_array", "json_array_length", "json_extract", "json_object", "json_type", "json_valid", "json_quote",
  "json_group_array", "json_group_object", "->", "->>",
];

export const POSTGRES_FUNCTIONS: readonly string[] = [
  ...COMMON,
  "array_agg", "bool_and", "bool_or", "every", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "mode",
  "percentile_cont", "percentile_disc", "corr", "covar_pop", "covar_samp",
  "greatest", "least", "div", "log10", "cbrt", "degrees", "radians", "width_bucket", "to_number",
  "char_length", "character_length", "btrim", "position", "strpos", "left", "right", "lpad", "rpad", "split_part", "initcap", "repeat", "reverse",
  "starts_with", "md5", "format", "regexp_replace", "regexp_match", "regexp_matches", "regexp_split_to_array", "translate", "overlay", "ascii", "chr",
  "to_char", "to_date", "to_timestamp", "date_trunc", "date_part", "extract", "age", "make_date", "make_timestamp", "make_timestamptz", "make_interval",
  "now", "timezone", "date_bin", "isfinite", "justify_days", "justify_hours", "generate_series",
  "json_array_length", "jsonb_array_length", "json_array_elements", "jsonb_array_elements", "json_array_elements_text",
  "jsonb_array_elements_text", "json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array", "json_agg", "jsonb_agg",
  "json_object_agg", "jsonb_object_agg", "to_json", "to_jsonb", "json_typeof", "jsonb_typeof", "jsonb_extract_path_text", "json_extract_path_text",
  "array_length", "cardinality", "unnest", "array_to_string", "string_to_array", "array_position",
];
