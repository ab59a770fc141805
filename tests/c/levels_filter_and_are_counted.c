/*
 * Rule: an event below the logger's level is filtered at the call
 * (ASYNCLOG_OK, counted as filtered, never written); a sink with a level
 * of its own filters further and counts it for that sink. AUDIT and
 * SECURITY are never filtered by level nor sampled. asynclog_logger_enabled
 * answers exactly what asynclog_log would do, and set_level changes it.
 */

#include "harness.h"

static const char *const names[] = {
    "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "AUDIT", "SECURITY",
};

static void log_every_level(const asynclog_logger *logger) {
  for (asynclog_level l = ASYNCLOG_LEVEL_TRACE; l <= ASYNCLOG_LEVEL_SECURITY;
       l++) {
    CHECK_STATUS(asynclog_log(logger, l, names[l], strlen(names[l]), NULL, 0),
                 ASYNCLOG_OK);
  }
}

/* The levels of the lines of a capture, as "WARN,ERROR,...". */
static void check_levels(const asynclog_logger *logger, const char *sink,
                         const char *expected) {
  char *text = capture_take(logger, sink);
  check_json_lines(text);
  char seen[256] = "";
  const char *cursor = text;
  const char *line;
  size_t len;
  while (next_line(&cursor, &line, &len)) {
    char *level = json_string(line, len, "level", NULL);
    char *msg = json_string(line, len, "msg", NULL);
    /* Each event was logged with its level's name as the message. */
    CHECK_STR(level, msg);
    if (seen[0] != '\0') {
      strncat(seen, ",", sizeof seen - strlen(seen) - 1);
    }
    strncat(seen, level ? level : "?", sizeof seen - strlen(seen) - 1);
    free(level);
    free(msg);
  }
  if (!CHECK_STR(seen, expected)) {
    fprintf(stderr, "  sink \"%s\"\n", sink);
  }
  free(text);
}

static void logger_and_sink_levels(void) {
  asynclog_logger *logger = logger_from(
      "{\"level\":\"warn\",\"sinks\":["
      "{\"type\":\"capture\",\"name\":\"all\"},"
      "{\"type\":\"capture\",\"name\":\"errors\",\"level\":\"error\"}]}");

  for (asynclog_level l = ASYNCLOG_LEVEL_TRACE; l <= ASYNCLOG_LEVEL_SECURITY;
       l++) {
    if (!CHECK(asynclog_logger_enabled(logger, l) ==
               (l >= ASYNCLOG_LEVEL_WARN))) {
      fprintf(stderr, "  level %s\n", names[l]);
    }
  }
  log_every_level(logger);
  flush_all(logger);
  check_levels(logger, "all", "WARN,ERROR,FATAL,AUDIT,SECURITY");
  check_levels(logger, "errors", "ERROR,FATAL,AUDIT,SECURITY");

  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "submitted"), 8);
  CHECK_U64(metric(metrics, "filtered"), 3);
  CHECK_U64(metric(metrics, "sinks[0].filtered"), 3);
  CHECK_U64(metric(metrics, "sinks[0].written"), 5);
  CHECK_U64(metric(metrics, "sinks[1].filtered"), 4);
  CHECK_U64(metric(metrics, "sinks[1].written"), 4);
  check_books_balance(metrics, true);
  free(metrics);

  /* FATAL: only FATAL and the categories pass. */
  CHECK_STATUS(asynclog_logger_set_level(logger, ASYNCLOG_LEVEL_FATAL),
               ASYNCLOG_OK);
  CHECK(!asynclog_logger_enabled(logger, ASYNCLOG_LEVEL_ERROR));
  CHECK(asynclog_logger_enabled(logger, ASYNCLOG_LEVEL_FATAL));
  CHECK(asynclog_logger_enabled(logger, ASYNCLOG_LEVEL_AUDIT));
  CHECK(asynclog_logger_enabled(logger, ASYNCLOG_LEVEL_SECURITY));
  log_every_level(logger);
  flush_all(logger);
  check_levels(logger, "all", "FATAL,AUDIT,SECURITY");

  /* TRACE: everything passes. */
  CHECK_STATUS(asynclog_logger_set_level(logger, ASYNCLOG_LEVEL_TRACE),
               ASYNCLOG_OK);
  CHECK(asynclog_logger_enabled(logger, ASYNCLOG_LEVEL_TRACE));
  log_every_level(logger);
  flush_all(logger);
  check_levels(logger, "all",
               "TRACE,DEBUG,INFO,WARN,ERROR,FATAL,AUDIT,SECURITY");

  metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "submitted"), 24);
  CHECK_U64(metric(metrics, "filtered"), 3 + 5);
  check_books_balance(metrics, true);
  free(metrics);
  asynclog_logger_free(logger);
}

/* Sampling keeps none of the events below ERROR at rate 0, and every
 * ERROR, AUDIT and SECURITY event. */
static void sampling(void) {
  asynclog_logger *logger =
      logger_from("{\"sample_rate\":0,\"sinks\":[{\"type\":\"capture\","
                  "\"name\":\"cap\"}]}");
  static const asynclog_level levels[] = {
      ASYNCLOG_LEVEL_INFO,  ASYNCLOG_LEVEL_WARN,     ASYNCLOG_LEVEL_ERROR,
      ASYNCLOG_LEVEL_AUDIT, ASYNCLOG_LEVEL_SECURITY,
  };
  for (int round = 0; round < 10; round++) {
    for (size_t i = 0; i < ASYNCLOG_COUNT(levels); i++) {
      CHECK_STATUS(asynclog_log(logger, levels[i], names[levels[i]],
                                strlen(names[levels[i]]), NULL, 0),
                   ASYNCLOG_OK);
    }
  }
  flush_all(logger);
  char *text = capture_take(logger, "cap");
  CHECK_U64(check_json_lines(text), 30);
  CHECK(strstr(text, "\"INFO\"") == NULL && strstr(text, "\"WARN\"") == NULL);
  free(text);
  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "submitted"), 50);
  CHECK_U64(metric(metrics, "filtered"), 20);
  CHECK_U64(metric(metrics, "sinks[0].written"), 30);
  check_books_balance(metrics, true);
  free(metrics);
  asynclog_logger_free(logger);
}

int main(void) {
  logger_and_sink_levels();
  sampling();
  return CHECK_DONE();
}
