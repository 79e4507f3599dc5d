/*
 * sluice_csv: a SQLite loadable extension that renders export rows as CSV records inside SQLite,
 * byte for byte as Sluice's JavaScript row writer (src/export/csv-format.ts) does with escaped line
 * breaks. It exists because reading a row value by value into JavaScript costs more than the whole
 * CSV rendering in C (measured in docs/benchmarks.md); the export then receives one buffer per batch.
 *
 *   sluice_csv(spec, escape, instance, v1, ..., vn)   -- aggregate: the records of the group, CRLF after each
 *   sluice_csv_record(spec, v1, ..., vn)              -- scalar: one record of a SQL answer (see below)
 *
 * spec: one letter per exported column, in file order, each optionally followed by a decimal
 * maximum length in UTF-16 units (text truncation):
 *   i  the site's instance URL (no argument; `instance` is used)
 *   u  URL: instance + value
 *   n  number (integer/decimal): as JavaScript's String(number), text as is, no quoting
 *   b  boolean: "true" for 1 or 'true', "false" otherwise
 *   j  JSON text: '' and '[]' are empty
 *   t  long text, cut to the maximum (never inside a surrogate pair)
 *   s  any other value as text
 * NULL is an empty field. Fields with `"` or `,` are quoted with quotes doubled; CR LF, CR and LF
 * become `escape` (which the caller guarantees holds none of `" , CR LF`).
 *
 * sluice_csv_record renders a row of a user's SQL answer (`format: "csv"`, src/store/sqlite/sql-worker.ts)
 * byte for byte as the JavaScript path does (the JSON answer's values through `csvField`,
 * src/sql/result-stream.ts): spec is one letter per value, `b` for a column the registry calls boolean
 * (0 and 1 become false and true; anything else is printed as in any column), `v` for any other.
 * NULL is empty, integers are digits (beyond 2^53 the double JavaScript reads), reals print as
 * String(number), blobs as base64, text as is; a field holding `,` `"` CR or LF is quoted with quotes
 * doubled. CRLF ends the record. It reads nothing but its arguments, so user SQL may call it too.
 *
 * Memory comes from SQLite's allocator (sqlite3_str, or a buffer per connection reused from record to
 * record); errors are reported as SQL errors.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 200

typedef struct Column {
  char kind;
  int64_t max; /* UTF-16 units, or -1 for no limit */
} Column;

typedef struct Render {
  sqlite3_str *out;
  int ncol;
  Column cols[MAX_COLUMNS];
  char *escape;
  int escape_len;
  char *instance_raw; /* the instance URL */
  int instance_raw_len;
  char *instance; /* the instance URL rendered as a field */
  int instance_len;
  unsigned char *scratch; /* URL fields are built here */
  int64_t scratch_len;
  int failed; /* an SQLite error code once something went wrong */
} Render;

/* Bit 1: quote or comma (needs quotes); bit 2: CR or LF (line break). */
static unsigned char special[256];

static void init_tables(void) {
  special['"'] = 1;
  special[','] = 1;
  special['\r'] = 2;
  special['\n'] = 2;
}

/* Appends `s` (n bytes) as one CSV field: line breaks replaced by the escape, quoted if needed. */
static void put_text(Render *r, const unsigned char *s, int64_t n) {
  unsigned flags = 0;
  for (int64_t i = 0; i < n; i++) flags |= special[s[i]];
  if (flags == 0) {
    sqlite3_str_append(r->out, (const char *)s, (int)n);
    return;
  }
  int quoted = (flags & 1) != 0;
  if (quoted) sqlite3_str_appendchar(r->out, 1, '"');
  int64_t run = 0;
  for (int64_t i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (!special[c] || c == ',') continue;
    if (i > run) sqlite3_str_append(r->out, (const char *)s + run, (int)(i - run));
    if (c == '"') {
      sqlite3_str_append(r->out, "\"\"", 2);
    } else {
      if (c == '\r' && i + 1 < n && s[i + 1] == '\n') i++;
      sqlite3_str_append(r->out, r->escape, r->escape_len);
    }
    run = i + 1;
  }
  if (n > run) sqlite3_str_append(r->out, (const char *)s + run, (int)(n - run));
  if (quoted) sqlite3_str_appendchar(r->out, 1, '"');
}

/* Bytes of `s` that fit in `max` UTF-16 units, a 4-byte character counting 2 and never split. */
static int64_t utf16_prefix(const unsigned char *s, int64_t n, int64_t max) {
  if (max < 0 || n <= max) return n;
  int64_t units = 0, i = 0;
  while (i < n) {
    unsigned char c = s[i];
    int len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    int u = len == 4 ? 2 : 1;
    if (units + u > max) break;
    units += u;
    i += len;
  }
  return i > n ? n : i;
}

/*
 * JavaScript's Number.prototype.toString(): the shortest digits that read back as the same double
 * (closest to it among those), in plain notation for exponents from -7 to 20, exponent form outside.
 */
static int js_number(double v, char *out) {
  if (isnan(v)) return sprintf(out, "NaN");
  if (isinf(v)) return sprintf(out, v < 0 ? "-Infinity" : "Infinity");
  if (v == 0) return sprintf(out, "0");
  char *o = out;
  if (v < 0) {
    *o++ = '-';
    v = -v;
  }
  char digits[32];
  int ndig = 0, exp10 = 0;
  for (int p = 1; p <= 17; p++) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.*e", p - 1, v);
    /* buf: d[.ddd]e[+-]xx */
    char *e = strchr(buf, 'e');
    int ex = atoi(e + 1);
    uint64_t m = 0;
    for (char *c = buf; c < e; c++)
      if (*c >= '0' && *c <= '9') m = m * 10 + (uint64_t)(*c - '0');
    /*
     * The correctly rounded candidate if it reads back; else its neighbour towards v may (the
     * round-trip interval is not symmetric at powers of two). The interval holds v and is convex, so
     * at most one neighbour can read back when the rounded candidate does not.
     */
    uint64_t best = 0;
    int found = 0;
    for (int d = 0; d <= 2 && !found; d++) {
      if (d == 1 && m == 0) continue;
      uint64_t cm = d == 0 ? m : d == 1 ? m - 1 : m + 1;
      char cand[48];
      snprintf(cand, sizeof cand, "%llue%d", (unsigned long long)cm, ex - (p - 1));
      if (strtod(cand, NULL) != v) continue;
      best = cm;
      found = 1;
    }
    if (!found) continue;
    /* Digits of `best`, which may have gained a digit (9.99 + 1 → 10.00). */
    char tmp[24];
    int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)best);
    exp10 = ex + (len - p);
    while (len > 1 && tmp[len - 1] == '0') len--;
    memcpy(digits, tmp, (size_t)len);
    ndig = len;
    break;
  }
  if (ndig == 0) return sprintf(out, "%.17g", v); /* not reached for finite doubles */
  int k = ndig, n = exp10 + 1;
  if (k <= n && n <= 21) {
    memcpy(o, digits, (size_t)k);
    o += k;
    for (int i = 0; i < n - k; i++) *o++ = '0';
  } else if (0 < n && n <= 21) {
    memcpy(o, digits, (size_t)n);
    o += n;
    *o++ = '.';
    memcpy(o, digits + n, (size_t)(k - n));
    o += k - n;
  } else if (-6 < n && n <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (int i = 0; i < -n; i++) *o++ = '0';
    memcpy(o, digits, (size_t)k);
    o += k;
  } else {
    *o++ = digits[0];
    if (k > 1) {
      *o++ = '.';
      memcpy(o, digits + 1, (size_t)(k - 1));
      o += k - 1;
    }
    o += sprintf(o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
  }
  *o = 0;
  return (int)(o - out);
}

/* A number as JavaScript prints it (integers beyond 2^53 as the double JavaScript reads). */
static int number_text(sqlite3_value *v, char *buf) {
  if (sqlite3_value_type(v) == SQLITE_INTEGER) {
    sqlite3_int64 i = sqlite3_value_int64(v);
    if (i <= 9007199254740992LL && i >= -9007199254740992LL) return sprintf(buf, "%lld", (long long)i);
    return js_number((double)i, buf);
  }
  return js_number(sqlite3_value_double(v), buf);
}

/* String(v) for a stored value: text and blobs as their bytes, numbers as JavaScript prints them. */
static void put_string(Render *r, sqlite3_value *v, int raw) {
  int type = sqlite3_value_type(v);
  if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
    char buf[64];
    int n = number_text(v, buf);
    if (raw) sqlite3_str_append(r->out, buf, n);
    else put_text(r, (const unsigned char *)buf, n);
    return;
  }
  const unsigned char *s = type == SQLITE_BLOB ? sqlite3_value_blob(v) : sqlite3_value_text(v);
  int n = sqlite3_value_bytes(v);
  if (n == 0 || s == NULL) return;
  if (raw) sqlite3_str_append(r->out, (const char *)s, n);
  else put_text(r, s, n);
}

static void put_value(Render *r, const Column *col, sqlite3_value *v) {
  int type = v ? sqlite3_value_type(v) : SQLITE_NULL;
  if (col->kind == 'i') {
    sqlite3_str_append(r->out, r->instance, r->instance_len);
    return;
  }
  if (type == SQLITE_NULL) return;
  switch (col->kind) {
    case 'n':
      put_string(r, v, 1);
      return;
    case 'b': {
      int yes = 0;
      if (type == SQLITE_INTEGER) yes = sqlite3_value_int64(v) == 1;
      else if (type == SQLITE_FLOAT) yes = sqlite3_value_double(v) == 1.0;
      else if (type == SQLITE_TEXT) yes = sqlite3_value_bytes(v) == 4 && memcmp(sqlite3_value_text(v), "true", 4) == 0;
      sqlite3_str_append(r->out, yes ? "true" : "false", yes ? 4 : 5);
      return;
    }
    case 'j': {
      if (type == SQLITE_FLOAT && !isfinite(sqlite3_value_double(v))) {
        sqlite3_str_append(r->out, "null", 4);
        return;
      }
      if (type == SQLITE_TEXT) {
        int n = sqlite3_value_bytes(v);
        const unsigned char *s = sqlite3_value_text(v);
        if (n == 0 || (n == 2 && s[0] == '[' && s[1] == ']')) return;
      }
      put_string(r, v, 0);
      return;
    }
    case 'u': {
      /* text(instance + String(v)): one field, escaped as a whole. */
      char num[64];
      const unsigned char *s;
      int n;
      if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
        n = number_text(v, num);
        s = (const unsigned char *)num;
      } else {
        s = type == SQLITE_BLOB ? sqlite3_value_blob(v) : sqlite3_value_text(v);
        n = sqlite3_value_bytes(v);
      }
      int64_t total = (int64_t)r->instance_raw_len + n;
      if (total > r->scratch_len) {
        unsigned char *grown = sqlite3_realloc64(r->scratch, (sqlite3_uint64)total);
        if (grown == NULL) {
          r->failed = SQLITE_NOMEM;
          return;
        }
        r->scratch = grown;
        r->scratch_len = total;
      }
      memcpy(r->scratch, r->instance_raw, (size_t)r->instance_raw_len);
      if (n > 0 && s != NULL) memcpy(r->scratch + r->instance_raw_len, s, (size_t)n);
      put_text(r, r->scratch, total);
      return;
    }
    case 't': {
      const unsigned char *s = sqlite3_value_text(v);
      int64_t n = sqlite3_value_bytes(v);
      if (s == NULL) return;
      put_text(r, s, utf16_prefix(s, n, col->max));
      return;
    }
    default:
      put_string(r, v, 0);
      return;
  }
}

/* Parses the spec and options at a group's first row. Returns an error message or NULL. */
static const char *setup(Render *r, int argc, sqlite3_value **argv) {
  const char *spec = (const char *)sqlite3_value_text(argv[0]);
  if (spec == NULL) return "sluice_csv: spec must be text";
  int args = 0;
  r->ncol = 0;
  for (const char *p = spec; *p;) {
    char kind = *p++;
    if (strchr("iunbjts", kind) == NULL) return "sluice_csv: unknown column kind in spec";
    if (r->ncol >= MAX_COLUMNS) return "sluice_csv: too many columns";
    int64_t max = -1;
    if (*p >= '0' && *p <= '9') {
      max = 0;
      while (*p >= '0' && *p <= '9') {
        if (max > (int64_t)1 << 40) return "sluice_csv: maximum length too large";
        max = max * 10 + (*p++ - '0');
      }
    }
    r->cols[r->ncol].kind = kind;
    r->cols[r->ncol].max = max;
    r->ncol++;
    if (kind != 'i') args++;
  }
  if (r->ncol == 0) return "sluice_csv: empty spec";
  if (argc != 3 + args) return "sluice_csv: the number of values does not match the spec";
  const unsigned char *escape = sqlite3_value_text(argv[1]);
  int escape_len = sqlite3_value_bytes(argv[1]);
  for (int i = 0; i < escape_len; i++)
    if (special[escape[i]]) return "sluice_csv: the line-break escape must not hold quotes, commas or line breaks";
  r->escape = sqlite3_malloc(escape_len + 1);
  const unsigned char *instance = sqlite3_value_text(argv[2]);
  int instance_len = sqlite3_value_bytes(argv[2]);
  r->instance_raw = sqlite3_malloc(instance_len + 1);
  if (r->escape == NULL || r->instance_raw == NULL) return "out of memory";
  if (escape_len > 0) memcpy(r->escape, escape, (size_t)escape_len);
  r->escape_len = escape_len;
  if (instance_len > 0) memcpy(r->instance_raw, instance, (size_t)instance_len);
  r->instance_raw_len = instance_len;
  /* The instance URL rendered once as a field. */
  r->out = sqlite3_str_new(NULL);
  put_text(r, (const unsigned char *)r->instance_raw, instance_len);
  r->instance_len = sqlite3_str_length(r->out);
  r->instance = sqlite3_str_finish(r->out);
  r->out = NULL;
  if (r->instance == NULL && r->instance_len > 0) return "out of memory";
  r->out = sqlite3_str_new(NULL);
  return NULL;
}

static void release(Render *r) {
  sqlite3_free(r->escape);
  sqlite3_free(r->instance_raw);
  sqlite3_free(r->instance);
  sqlite3_free(r->scratch);
  r->escape = r->instance_raw = r->instance = NULL;
  r->scratch = NULL;
}

static void csv_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Render *r = sqlite3_aggregate_context(ctx, sizeof(Render));
  if (r == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (r->failed) return;
  if (r->out == NULL) {
    const char *error = setup(r, argc, argv);
    if (error) {
      r->failed = SQLITE_ERROR;
      sqlite3_result_error(ctx, error, -1);
      return;
    }
  }
  int arg = 3;
  for (int c = 0; c < r->ncol; c++) {
    const Column *col = &r->cols[c];
    if (c > 0) sqlite3_str_appendchar(r->out, 1, ',');
    put_value(r, col, col->kind == 'i' ? NULL : argv[arg++]);
  }
  sqlite3_str_append(r->out, "\r\n", 2);
  if (r->failed == 0) r->failed = sqlite3_str_errcode(r->out);
}

static void csv_final(sqlite3_context *ctx) {
  Render *r = sqlite3_aggregate_context(ctx, 0);
  if (r == NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  int failed = r->failed;
  if (r->out == NULL) {
    release(r);
    sqlite3_result_null(ctx);
    return;
  }
  int n = sqlite3_str_length(r->out);
  char *bytes = sqlite3_str_finish(r->out);
  r->out = NULL;
  release(r);
  if (failed) {
    sqlite3_free(bytes);
    if (failed == SQLITE_NOMEM) sqlite3_result_error_nomem(ctx);
    else if (failed == SQLITE_TOOBIG) sqlite3_result_error_toobig(ctx);
    else sqlite3_result_error_code(ctx, failed);
    return;
  }
  if (bytes == NULL) sqlite3_result_zeroblob(ctx, 0);
  else sqlite3_result_blob64(ctx, bytes, (sqlite3_uint64)n, sqlite3_free);
}

/* The record buffer of one connection (SQLite calls a connection's functions one at a time). */
typedef struct Record {
  char *p;
  sqlite3_int64 n, cap;
} Record;

/* Room for `more` bytes after the record so far. */
static int record_room(Record *b, sqlite3_int64 more) {
  if (b->n + more <= b->cap) return 1;
  sqlite3_int64 cap = b->cap ? b->cap : 1024;
  while (cap < b->n + more) cap *= 2;
  char *p = sqlite3_realloc64(b->p, (sqlite3_uint64)cap);
  if (p == NULL) return 0;
  b->p = p;
  b->cap = cap;
  return 1;
}

static const char BASE64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Appends one field for `v` (room already made for the longest it can be). */
static void record_field(Record *b, char kind, sqlite3_value *v) {
  char *o = b->p + b->n;
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
      return;
    case SQLITE_INTEGER: {
      sqlite3_int64 i = sqlite3_value_int64(v);
      if (kind == 'b' && (i == 0 || i == 1)) {
        memcpy(o, i ? "true" : "false", i ? 4 : 5);
        b->n += i ? 4 : 5;
        return;
      }
      b->n += number_text(v, o);
      return;
    }
    case SQLITE_FLOAT: {
      double d = sqlite3_value_double(v);
      if (kind == 'b' && (d == 0 || d == 1)) {
        memcpy(o, d == 1 ? "true" : "false", d == 1 ? 4 : 5);
        b->n += d == 1 ? 4 : 5;
        return;
      }
      b->n += js_number(d, o);
      return;
    }
    case SQLITE_BLOB: {
      const unsigned char *s = sqlite3_value_blob(v);
      sqlite3_int64 n = sqlite3_value_bytes(v), i = 0;
      for (; i + 2 < n; i += 3) {
        unsigned w = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
        *o++ = BASE64[w >> 18];
        *o++ = BASE64[w >> 12 & 63];
        *o++ = BASE64[w >> 6 & 63];
        *o++ = BASE64[w & 63];
      }
      if (i < n) {
        unsigned w = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0);
        *o++ = BASE64[w >> 18];
        *o++ = BASE64[w >> 12 & 63];
        *o++ = i + 1 < n ? BASE64[w >> 6 & 63] : '=';
        *o++ = '=';
      }
      b->n = o - b->p;
      return;
    }
    default: {
      const unsigned char *s = sqlite3_value_text(v);
      sqlite3_int64 n = sqlite3_value_bytes(v);
      unsigned flags = 0;
      for (sqlite3_int64 i = 0; i < n; i++) flags |= special[s[i]];
      if (flags == 0) {
        if (n > 0) memcpy(o, s, (size_t)n);
        b->n += n;
        return;
      }
      *o++ = '"';
      sqlite3_int64 run = 0;
      for (sqlite3_int64 i = 0; i < n; i++) {
        if (s[i] != '"') continue;
        memcpy(o, s + run, (size_t)(i + 1 - run));
        o += i + 1 - run;
        *o++ = '"';
        run = i + 1;
      }
      memcpy(o, s + run, (size_t)(n - run));
      o += n - run;
      *o++ = '"';
      b->n = o - b->p;
      return;
    }
  }
}

/* The longest field `v` can make: numbers 32 bytes at most, base64 4 per 3 bytes, text quoted with every byte doubled. */
static sqlite3_int64 field_bound(sqlite3_value *v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
      return 64;
    case SQLITE_BLOB:
      return ((sqlite3_int64)sqlite3_value_bytes(v) + 2) / 3 * 4;
    case SQLITE_TEXT:
      return 2 * (sqlite3_int64)sqlite3_value_bytes(v) + 2;
    default:
      return 0;
  }
}

static void record_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Record *b = sqlite3_user_data(ctx);
  const char *spec = (const char *)sqlite3_value_text(argv[0]);
  if (spec == NULL || sqlite3_value_bytes(argv[0]) != argc - 1) {
    sqlite3_result_error(ctx, "sluice_csv_record: the spec needs one letter (b or v) per value", -1);
    return;
  }
  b->n = 0;
  for (int i = 1; i < argc; i++) {
    char kind = spec[i - 1];
    if (kind != 'b' && kind != 'v') {
      sqlite3_result_error(ctx, "sluice_csv_record: the spec needs one letter (b or v) per value", -1);
      return;
    }
    if (!record_room(b, field_bound(argv[i]) + 3)) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    if (i > 1) b->p[b->n++] = ',';
    record_field(b, kind, argv[i]);
  }
  if (!record_room(b, 2)) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  b->p[b->n++] = '\r';
  b->p[b->n++] = '\n';
  sqlite3_result_text64(ctx, b->p, (sqlite3_uint64)b->n, SQLITE_TRANSIENT, SQLITE_UTF8);
  /* A huge record's buffer is not kept for the next. */
  if (b->cap > 1 << 20) {
    sqlite3_free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
  }
}

static void record_free(void *data) {
  Record *b = data;
  sqlite3_free(b->p);
  sqlite3_free(b);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_sluicecsv_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  (void)error;
  SQLITE_EXTENSION_INIT2(api);
  init_tables();
  int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_function(db, "sluice_csv", -1, flags, NULL, NULL, csv_step, csv_final);
  if (rc != SQLITE_OK) return rc;
  Record *record = sqlite3_malloc(sizeof(Record));
  if (record == NULL) return SQLITE_NOMEM;
  memset(record, 0, sizeof *record);
  return sqlite3_create_function_v2(db, "sluice_csv_record", -1, flags, record, record_fn, NULL, NULL, record_free);
}
