/*
 * Rule: asynclog_logger_with makes a child that shares the parent's queue
 * and sinks, adds its bound fields to every record, and with a name logs
 * under that name at the level configured for it under "loggers" (else
 * the parent's level, which it then follows). Children of children keep
 * every bound field. A child outlives a freed parent: the logger stops
 * when its last handle is freed.
 */

#include "harness.h"

static const char config[] =
    "{\"name\":\"app\",\"loggers\":{\"db\":{\"level\":\"warn\"}},"
    "\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"}]}";

static char *value_at(const char *line, size_t len, const char *path) {
  const char *v = NULL;
  size_t n = 0;
  if (!json_lookup(line, len, path, &v, &n)) {
    return strndup("(missing)", 9);
  }
  return strndup(v, n);
}

#define CHECK_VALUE(line, len, path, expected)                                \
  do {                                                                        \
    char *v_ = value_at(line, len, path);                                     \
    CHECK_STR(v_, expected);                                                  \
    free(v_);                                                                 \
  } while (0)

static asynclog_logger *child_of(const asynclog_logger *parent,
                                 const char *name,
                                 const asynclog_field *fields, size_t count) {
  asynclog_logger *child = NULL;
  REQUIRE_STATUS(asynclog_logger_with(parent, name, name ? strlen(name) : 0,
                                      fields, count, &child),
                 ASYNCLOG_OK);
  REQUIRE(child != NULL && child != parent);
  return child;
}

static void info(const asynclog_logger *logger, const char *msg) {
  CHECK_STATUS(
      asynclog_log(logger, ASYNCLOG_LEVEL_INFO, msg, strlen(msg), NULL, 0),
      ASYNCLOG_OK);
}

int main(void) {
  asynclog_logger *app = logger_from(config);

  asynclog_field db_fields[] = {
      asynclog_field_str("component", "pg"),
      asynclog_field_i64("shard", 3),
  };
  asynclog_logger *db = child_of(app, "db", db_fields, 2);
  asynclog_field query = asynclog_field_str("query", "q1");
  /* No name: the grandchild keeps "db" and its level. */
  asynclog_logger *q = child_of(db, NULL, &query, 1);
  /* A name without a configured level: the parent's level. */
  asynclog_logger *http = child_of(app, "http", NULL, 0);

  /* Levels: db is at WARN from the config; http follows app. */
  CHECK(!asynclog_logger_enabled(db, ASYNCLOG_LEVEL_INFO));
  CHECK(asynclog_logger_enabled(db, ASYNCLOG_LEVEL_WARN));
  CHECK(!asynclog_logger_enabled(q, ASYNCLOG_LEVEL_INFO));
  CHECK(asynclog_logger_enabled(http, ASYNCLOG_LEVEL_INFO));
  CHECK_STATUS(asynclog_logger_set_level(app, ASYNCLOG_LEVEL_DEBUG),
               ASYNCLOG_OK);
  CHECK(asynclog_logger_enabled(http, ASYNCLOG_LEVEL_DEBUG));
  CHECK(!asynclog_logger_enabled(db, ASYNCLOG_LEVEL_DEBUG));

  info(db, "filtered by db's level");
  CHECK_STATUS(asynclog_log(db, ASYNCLOG_LEVEL_WARN, "from db", 7, NULL, 0),
               ASYNCLOG_OK);
  asynclog_field extra = asynclog_field_i64("rows", 10);
  CHECK_STATUS(asynclog_log(q, ASYNCLOG_LEVEL_ERROR, "from q", 6, &extra, 1),
               ASYNCLOG_OK);
  info(http, "from http");
  info(app, "from app");

  flush_all(app);
  char *text = capture_take(app, "cap");
  REQUIRE(check_json_lines(text) == 4);
  const char *cursor = text;
  const char *line;
  size_t len;

  REQUIRE(next_line(&cursor, &line, &len));
  CHECK_VALUE(line, len, "msg", "\"from db\"");
  CHECK_VALUE(line, len, "logger", "\"db\"");
  CHECK_VALUE(line, len, "component", "\"pg\"");
  CHECK_VALUE(line, len, "shard", "3");

  REQUIRE(next_line(&cursor, &line, &len));
  CHECK_VALUE(line, len, "msg", "\"from q\"");
  CHECK_VALUE(line, len, "logger", "\"db\"");
  CHECK_VALUE(line, len, "component", "\"pg\"");
  CHECK_VALUE(line, len, "query", "\"q1\"");
  CHECK_VALUE(line, len, "rows", "10");

  REQUIRE(next_line(&cursor, &line, &len));
  CHECK_VALUE(line, len, "logger", "\"http\"");
  CHECK(!json_lookup(line, len, "component", NULL, NULL));

  REQUIRE(next_line(&cursor, &line, &len));
  CHECK_VALUE(line, len, "logger", "\"app\"");
  CHECK(!json_lookup(line, len, "component", NULL, NULL));
  free(text);

  /* One set of books for the family. */
  char *metrics = metrics_of(db);
  CHECK_U64(metric(metrics, "submitted"), 5);
  CHECK_U64(metric(metrics, "filtered"), 1);
  CHECK_U64(metric(metrics, "sinks[0].written"), 4);
  check_books_balance(metrics, true);
  free(metrics);

  /* Free the parent first: the children still log and flush. */
  asynclog_logger_free(app);
  asynclog_logger_free(http);
  CHECK_STATUS(asynclog_log(q, ASYNCLOG_LEVEL_WARN, "after app", 9, NULL, 0),
               ASYNCLOG_OK);
  asynclog_logger_free(db);
  flush_all(q);
  text = capture_take(q, "cap");
  CHECK_U64(check_json_lines(text), 1);
  CHECK_CONTAINS(text, "\"msg\":\"after app\"");
  CHECK_CONTAINS(text, "\"query\":\"q1\"");
  free(text);
  asynclog_logger_free(q);

  return CHECK_DONE();
}
