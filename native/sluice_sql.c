/*
 * sluice_sql: the engine's own guard for user SQL on the embedded store (src/store/sqlite/sql-worker.ts).
 * Loaded into the read-only connections that run user queries, it installs on load:
 *
 *  - an authorizer (sqlite3_set_authorizer): while armed, SQLite's own parser reports every table read,
 *    function call and statement kind of a statement being prepared, and anything but a SELECT over the
 *    allowed tables with allowed functions is refused — PRAGMA, ATTACH, writes, DDL, Sluice's own
 *    tables, load_extension, file functions: whatever the grammar spells it as;
 *  - a slot table for interruption: the server's own thread (which keeps the deadline; better-sqlite3's
 *    SQLite is built without progress callbacks) calls sluice_sql_interrupt, which stops the armed
 *    statement of that slot inside the engine with sqlite3_interrupt (thread-safe by design);
 *  - limits: no ATTACH, bounded statement length.
 *
 * SQL functions (all but sluice_sql_interrupt take the connection's nonce, set once by its owner, so user
 * SQL, which never knows it, cannot disarm the guard even if a function slipped through):
 *   sluice_sql_init(nonce)                    claims the connection (once)
 *   sluice_sql_allow(nonce, kind, name)       kind 'table' | 'function'; name NULL with 'table' clears tables
 *   sluice_sql_check(nonce, sql)              prepares sql armed and answers: 'ok<TAB>highest $n<TAB>bytes up to the end of
 *                                             the statement, its `;` left out' | 'params<TAB>name' | 'empty' | 'multiple' |
 *                                             'write' | 'denied<TAB>reason' | 'error<TAB>offset<TAB>message'
 *   sluice_sql_arm(nonce, slot, query)        arms the guard for query `query`, registered in `slot`
 *   sluice_sql_disarm(nonce)                  disarms; answers why a statement stopped: '' or the reason given
 *   sluice_sql_interrupt(slot, query, reason) from any connection of the process: stops `query` if it is
 *                                             still the one armed in `slot` (1), else nothing (0)
 *
 * Reading a statement's rows as text without a value per row crossing into the caller (user SQL answered
 * as CSV: `WITH q(c1, …) AS (<statement>) SELECT sluice_csv_record(…) FROM q`, sql-worker.ts):
 *   sluice_sql_open(nonce, sql)               prepares sql, armed only (so the authorizer judges it), as the
 *                                             connection's open statement (one at a time; disarm finalizes it)
 *   sluice_sql_bind(nonce, name, value)       binds the open statement's parameter `name` ($1, …) if it has it
 *   sluice_sql_read(nonce, bytes, rows)       steps it: the first column of at most `rows` rows, joined, until
 *                                             they reach `bytes`; answers 'n<TAB>end<TAB>text' (n rows, end 1
 *                                             once the statement is done). With rows 0 it steps once and
 *                                             answers whether another row was there (end 0) or not (end 1).
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>

#define SLOTS 256
#define MAX_NAMES 512


typedef struct Names {
  char *items[MAX_NAMES];
  int count;
} Names;

typedef struct Guard {
  sqlite3 *db;
  char nonce[65];
  int armed;
  int slot;
  sqlite3_int64 query;
  char stopped[32];          /* why the armed statement was interrupted */
  char denied[400];          /* why the last armed prepare was refused */
  Names tables;
  Names functions;
  sqlite3_stmt *open;        /* the statement sluice_sql_read steps */
  char *text;                /* what sluice_sql_read answers, reused */
  sqlite3_int64 text_len, text_cap;
} Guard;

/* The armed guard of each slot, shared by every connection of the process (the .so is loaded once). */
static Guard *armed_slots[SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

static void unregister(Guard *g) {
  pthread_mutex_lock(&slots_lock);
  if (g->slot >= 0 && g->slot < SLOTS && armed_slots[g->slot] == g) armed_slots[g->slot] = NULL;
  pthread_mutex_unlock(&slots_lock);
}

static void names_clear(Names *n) {
  for (int i = 0; i < n->count; i++) sqlite3_free(n->items[i]);
  n->count = 0;
}

static int names_has(const Names *n, const char *name) {
  if (!name) return 0;
  for (int i = 0; i < n->count; i++)
    if (sqlite3_stricmp(n->items[i], name) == 0) return 1;
  return 0;
}

static void deny(Guard *g, const char *format, const char *a) {
  if (g->denied[0]) return; /* the first reason is the one to tell */
  snprintf(g->denied, sizeof g->denied, format, a ? a : "?");
}

static const char *action_name(int action) {
  switch (action) {
    case SQLITE_PRAGMA: return "PRAGMA";
    case SQLITE_ATTACH: return "ATTACH";
    case SQLITE_DETACH: return "DETACH";
    case SQLITE_INSERT: return "INSERT";
    case SQLITE_UPDATE: return "UPDATE";
    case SQLITE_DELETE: return "DELETE";
    case SQLITE_TRANSACTION: return "a transaction statement";
    case SQLITE_SAVEPOINT: return "SAVEPOINT";
    case SQLITE_ANALYZE: return "ANALYZE";
    case SQLITE_REINDEX: return "REINDEX";
    case SQLITE_ALTER_TABLE: return "ALTER TABLE";
    case SQLITE_CREATE_VTABLE: case SQLITE_DROP_VTABLE: return "a virtual table statement";
    default: return "a statement that changes the database";
  }
}

static int authorize(void *data, int action, const char *a3, const char *a4, const char *db, const char *via) {
  Guard *g = (Guard *)data;
  if (!g->armed) return SQLITE_OK;
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_READ:
      /* Through one of the views Sluice made (users cannot make any): the view decided. */
      if (via) return SQLITE_OK;
      /* No schema: a common table expression of the statement itself (a recursive one reads its own
       * rows) — or a table of which no column is read (`count(*)`, `SELECT 1 FROM t`), which SQLite
       * reports the same way: allowed only when no table of that name exists, or it is an allowed one. */
      if (!db) {
        if (names_has(&g->tables, a3)) return SQLITE_OK;
        if (a3 && sqlite3_table_column_metadata(g->db, NULL, a3, NULL, NULL, NULL, NULL, NULL, NULL) != SQLITE_OK) return SQLITE_OK;
        deny(g, "no such table: %s", a3);
        return SQLITE_DENY;
      }
      if (db && sqlite3_stricmp(db, "temp") == 0 && names_has(&g->tables, a3)) return SQLITE_OK;
      deny(g, "no such table: %s", a3);
      return SQLITE_DENY;
    case SQLITE_FUNCTION:
      /* The owner's own functions (they need the nonce) may be re-prepared while armed. */
      if (names_has(&g->functions, a4) || sqlite3_stricmp(a4, "sluice_sql_disarm") == 0 || sqlite3_stricmp(a4, "sluice_sql_open") == 0 ||
          sqlite3_stricmp(a4, "sluice_sql_bind") == 0 || sqlite3_stricmp(a4, "sluice_sql_read") == 0)
        return SQLITE_OK;
      deny(g, "the function %s() is not available in Sluice SQL", a4);
      return SQLITE_DENY;
    default:
      deny(g, "only SELECT is allowed, not %s", action_name(action));
      return SQLITE_DENY;
  }
}

/* The first argument must be the connection's nonce (once claimed). */
static int owner(sqlite3_context *ctx, sqlite3_value **argv) {
  Guard *g = (Guard *)sqlite3_user_data(ctx);
  const char *given = (const char *)sqlite3_value_text(argv[0]);
  if (!g->nonce[0] || !given || strcmp(given, g->nonce) != 0) {
    sqlite3_result_error(ctx, "sluice_sql: not the connection's owner", -1);
    return 0;
  }
  return 1;
}

static void fn_init(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Guard *g = (Guard *)sqlite3_user_data(ctx);
  const char *nonce = (const char *)sqlite3_value_text(argv[0]);
  (void)argc;
  if (g->nonce[0] || !nonce || strlen(nonce) < 16 || strlen(nonce) >= sizeof g->nonce) {
    sqlite3_result_error(ctx, "sluice_sql: already claimed", -1);
    return;
  }
  strcpy(g->nonce, nonce);
  sqlite3_result_int(ctx, 1);
}

static void fn_allow(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Guard *g = (Guard *)sqlite3_user_data(ctx);
  (void)argc;
  if (!owner(ctx, argv)) return;
  const char *kind = (const char *)sqlite3_value_text(argv[1]);
  const char *name = (const char *)sqlite3_value_text(argv[2]);
  Names *n = kind && strcmp(kind, "table") == 0 ? &g->tables : kind && strcmp(kind, "function") == 0 ? &g->functions : NULL;
  if (!n) {
    sqlite3_result_error(ctx, "sluice_sql_allow: kind is 'table' or 'function'", -1);
    return;
  }
  if (!name) {
    names_clear(n);
  } else if (!names_has(n, name)) {
    if (n->count == MAX_NAMES) {
      sqlite3_result_error(ctx, "sluice_sql_allow: too many names", -1);
      return;
    }
    n->items[n->count++] = sqlite3_mprintf("%s", name);
  }
  sqlite3_result_int(ctx, n->count);
}

static int only_space_and_comments(sqlite3 *db, const char *tail) {
  sqlite3_stmt *next = NULL;
  const char *rest = NULL;
  if (!tail || !*tail) return 1;
  if (sqlite3_prepare_v2(db, tail, -1, &next, &rest) != SQLITE_OK) return 0;
  if (next) {
    sqlite3_finalize(next);
    return 0;
  }
  return 1;
}

static void fn_check(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Guard *g = (Guard *)sqlite3_user_data(ctx);
  sqlite3_stmt *stmt = NULL;
  const char *tail = NULL;
  (void)argc;
  if (!owner(ctx, argv)) return;
  const char *sql = (const char *)sqlite3_value_text(argv[1]);
  if (!sql) {
    sqlite3_result_text(ctx, "empty", -1, SQLITE_STATIC);
    return;
  }
  int was = g->armed;
  g->armed = 1;
  g->denied[0] = 0;
  int rc = sqlite3_prepare_v2(g->db, sql, -1, &stmt, &tail);
  char *answer;
  if (rc != SQLITE_OK) {
    if (g->denied[0]) answer = sqlite3_mprintf("denied\t%s", g->denied);
    else answer = sqlite3_mprintf("error\t%d\t%s", sqlite3_error_offset(g->db), sqlite3_errmsg(g->db));
  } else if (!stmt) {
    answer = sqlite3_mprintf("empty");
  } else if (!only_space_and_comments(g->db, tail)) {
    answer = sqlite3_mprintf("multiple");
  } else if (!sqlite3_stmt_readonly(stmt) || sqlite3_column_count(stmt) == 0) {
    answer = sqlite3_mprintf("write");
  } else {
    /* Parameters are $1, $2, …: the answer is the highest n (or the first other name, refused). */
    int highest = 0;
    const char *other = NULL;
    for (int i = 1; i <= sqlite3_bind_parameter_count(stmt) && !other; i++) {
      const char *name = sqlite3_bind_parameter_name(stmt, i);
      int n = 0;
      const char *p = name ? name + 1 : NULL;
      if (!name || name[0] != '$' || !*p) {
        other = name ? name : "?";
        break;
      }
      for (; *p >= '0' && *p <= '9' && n < 100000; p++) n = n * 10 + (*p - '0');
      if (*p || n == 0) other = name;
      else if (n > highest) highest = n;
    }
    /* Where the statement ends, its `;` left out: the caller may wrap it (`WITH q AS (<statement>) …`). */
    int end = (int)(tail - sql);
    while (end > 0 && sql[end - 1] && strchr(" \t\n\f\r", sql[end - 1])) end--;
    if (end > 0 && sql[end - 1] == ';') end--;
    answer = other ? sqlite3_mprintf("params\t%s", other) : sqlite3_mprintf("ok\t%d\t%d", highest, end);
  }
  sqlite3_finalize(stmt);
  g->armed = was;
  sqlite3_result_text(ctx, answer, -1, sqlite3_free);
}

static void fn_arm(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Guard *g = (Guard *)sqlite3_user_data(ctx);
  (void)argc;
  if (!owner(ctx, argv)) return;
  int slot = sqlite3_value_int(argv[1]);
  if (slot < 0 || slot >= SLOTS) {
    sqlite3_result_error(ctx, "sluice_sql_arm: no such slot", -1);
    return;
  }
  unregister(g);
  pthread_mutex_lock(&slots_lock);
  g->slot = slot;
  g->query = sqlite3_value_int64(argv[2]);
  g->stopped[0] = 0;
  g->denied[0] = 0;
  g->armed = 1;
  armed_slots[slot] = g;
  pthread_mutex_unlock(&slots_lock);
  sqlite3_result_int(ctx, 1);
}

static void close_open(Guard *g) {
  sqlite3_finalize(g->open);
  g->open = NULL;
  if (g->text_cap > 4 << 20) {
    sqlite3_free(g->text);
    g->text = NULL;
    g->text_cap = 0;
  }
}

static void fn_disarm(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Guard *g = (Guard *)sqlite3_user_data(ctx);
  char why[sizeof g->stopped];
  (void)argc;
  if (!owner(ctx, argv)) return;
  close_open(g);
  unregister(g);
  pthread_mutex_lock(&slots_lock);
  g->armed = 0;
  g->query = 0;
  memcpy(why, g->stopped, sizeof why);
  g->stopped[0] = 0;
  pthread_mutex_unlock(&slots_lock);
  sqlite3_result_text(ctx, why, -1, SQLITE_TRANSIENT);
}

static void fn_open(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Guard *g = (Guard *)sqlite3_user_data(ctx);
  (void)argc;
  if (!owner(ctx, argv)) return;
  if (!g->armed) {
    sqlite3_result_error(ctx, "sluice_sql_open: arm the guard first", -1);
    return;
  }
  close_open(g);
  const char *sql = (const char *)sqlite3_value_text(argv[1]);
  const char *tail = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc = sql ? sqlite3_prepare_v2(g->db, sql, -1, &stmt, &tail) : SQLITE_MISUSE;
  if (rc != SQLITE_OK || !stmt || (tail && *tail) || !sqlite3_stmt_readonly(stmt) || sqlite3_column_count(stmt) < 1) {
    char *message = sqlite3_mprintf("sluice_sql_open: %s", rc != SQLITE_OK ? sqlite3_errmsg(g->db) : "not one SELECT");
    sqlite3_finalize(stmt);
    sqlite3_result_error(ctx, message ? message : "sluice_sql_open: out of memory", -1);
    sqlite3_free(message);
    return;
  }
  g->open = stmt;
  sqlite3_result_int(ctx, sqlite3_bind_parameter_count(stmt));
}

static void fn_bind(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Guard *g = (Guard *)sqlite3_user_data(ctx);
  (void)argc;
  if (!owner(ctx, argv)) return;
  const char *name = (const char *)sqlite3_value_text(argv[1]);
  int index = g->open && name ? sqlite3_bind_parameter_index(g->open, name) : 0;
  if (index > 0 && sqlite3_bind_value(g->open, index, argv[2]) != SQLITE_OK) {
    sqlite3_result_error(ctx, sqlite3_errmsg(g->db), -1);
    return;
  }
  sqlite3_result_int(ctx, index);
}

static int text_room(Guard *g, sqlite3_int64 more) {
  if (g->text_len + more <= g->text_cap) return 1;
  sqlite3_int64 cap = g->text_cap ? g->text_cap : 64 << 10;
  while (cap < g->text_len + more) cap *= 2;
  char *grown = sqlite3_realloc64(g->text, (sqlite3_uint64)cap);
  if (!grown) return 0;
  g->text = grown;
  g->text_cap = cap;
  return 1;
}

static void fn_read(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  Guard *g = (Guard *)sqlite3_user_data(ctx);
  (void)argc;
  if (!owner(ctx, argv)) return;
  if (!g->open) {
    sqlite3_result_error(ctx, "sluice_sql_read: no open statement", -1);
    return;
  }
  sqlite3_int64 bytes = sqlite3_value_int64(argv[1]);
  sqlite3_int64 rows = sqlite3_value_int64(argv[2]);
  sqlite3_int64 n = 0;
  int end = 0;
  /* The answer's head (`n<TAB>end<TAB>`) is written in front of the rows once they are known. */
  enum { HEAD = 48 };
  g->text_len = HEAD;
  if (!text_room(g, 0)) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  for (;;) {
    if (rows > 0 && (n == rows || (n > 0 && g->text_len - HEAD >= bytes))) break;
    int rc = sqlite3_step(g->open);
    if (rc == SQLITE_DONE) {
      end = 1;
      break;
    }
    if (rc != SQLITE_ROW) {
      /* The step's own message and code (SQLITE_INTERRUPT when stopped); the statement is done for. */
      char *message = sqlite3_mprintf("%s", sqlite3_errmsg(g->db));
      sqlite3_result_error(ctx, message ? message : "sluice_sql_read: failed", -1);
      sqlite3_result_error_code(ctx, rc);
      sqlite3_free(message);
      sqlite3_finalize(g->open);
      g->open = NULL;
      return;
    }
    if (rows <= 0) break; /* another row is there */
    const unsigned char *text = sqlite3_column_text(g->open, 0);
    sqlite3_int64 len = sqlite3_column_bytes(g->open, 0);
    if (!text_room(g, len)) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    if (len > 0) memcpy(g->text + g->text_len, text, (size_t)len);
    g->text_len += len;
    n++;
  }
  char head[HEAD];
  int head_len = snprintf(head, sizeof head, "%lld\t%d\t", (long long)n, end);
  char *start = g->text + HEAD - head_len;
  memcpy(start, head, (size_t)head_len);
  sqlite3_result_text64(ctx, start, (sqlite3_uint64)(g->text_len - HEAD + head_len), SQLITE_TRANSIENT, SQLITE_UTF8);
}

static void fn_interrupt(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  int slot = sqlite3_value_int(argv[0]);
  sqlite3_int64 query = sqlite3_value_int64(argv[1]);
  const char *reason = (const char *)sqlite3_value_text(argv[2]);
  int done = 0;
  if (slot < 0 || slot >= SLOTS) {
    sqlite3_result_error(ctx, "sluice_sql_interrupt: no such slot", -1);
    return;
  }
  pthread_mutex_lock(&slots_lock);
  Guard *g = armed_slots[slot];
  if (g && g->armed && g->query == query && query != 0) {
    snprintf(g->stopped, sizeof g->stopped, "%s", reason ? reason : "cancelled");
    sqlite3_interrupt(g->db);
    done = 1;
  }
  pthread_mutex_unlock(&slots_lock);
  sqlite3_result_int(ctx, done);
}

static void guard_free(void *data) {
  Guard *g = (Guard *)data;
  unregister(g);
  sqlite3_finalize(g->open);
  sqlite3_free(g->text);
  names_clear(&g->tables);
  names_clear(&g->functions);
  sqlite3_free(g);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_sluicesql_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  (void)error;
  Guard *g = sqlite3_malloc(sizeof(Guard));
  if (!g) return SQLITE_NOMEM;
  memset(g, 0, sizeof *g);
  g->db = db;
  g->slot = -1;
  int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;
  int rc = sqlite3_create_function_v2(db, "sluice_sql_init", 1, flags, g, fn_init, 0, 0, guard_free);
  if (rc == SQLITE_OK) rc = sqlite3_create_function_v2(db, "sluice_sql_allow", 3, flags, g, fn_allow, 0, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function_v2(db, "sluice_sql_check", 2, flags, g, fn_check, 0, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function_v2(db, "sluice_sql_arm", 3, flags, g, fn_arm, 0, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function_v2(db, "sluice_sql_disarm", 1, flags, g, fn_disarm, 0, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function_v2(db, "sluice_sql_interrupt", 3, flags, g, fn_interrupt, 0, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function_v2(db, "sluice_sql_open", 2, flags, g, fn_open, 0, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function_v2(db, "sluice_sql_bind", 3, flags, g, fn_bind, 0, 0, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_function_v2(db, "sluice_sql_read", 3, flags, g, fn_read, 0, 0, 0);
  if (rc != SQLITE_OK) return rc;
  sqlite3_set_authorizer(db, authorize, g);
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1000000);
  return SQLITE_OK;
}
