/*
 * Rule: two loggers in one process share nothing. With interleaved
 * logging each capture gets only its own logger's lines, in order; a
 * capture sink of the same name in each stays separate; each logger's
 * metrics count only its own events; a level change, a flush, a
 * shutdown or a free of one leaves the other as it was.
 */

#include "harness.h"

#define A_EVENTS 3000
#define B_EVENTS 1500

static void log_numbered(const asynclog_logger *logger, const char *prefix,
                         int i) {
  char msg[64];
  int n = snprintf(msg, sizeof msg, "%s-%d", prefix, i);
  asynclog_field f = asynclog_field_i64("i", i);
  CHECK_STATUS(
      asynclog_log(logger, ASYNCLOG_LEVEL_INFO, msg, (size_t)n, &f, 1),
      ASYNCLOG_OK);
}

/* Every line is from `name`, numbered 0, 1, 2... in order. */
static void check_own_lines(const char *text, const char *name,
                            size_t expected) {
  const char *cursor = text;
  const char *line;
  size_t len;
  uint64_t next = 0;
  size_t wrong = 0;
  while (next_line(&cursor, &line, &len)) {
    char *logger = json_string(line, len, "logger", NULL);
    uint64_t i = UINT64_MAX;
    json_u64(line, len, "i", &i);
    if (logger == NULL || strcmp(logger, name) != 0 || i != next) {
      if (wrong++ < 3) {
        fprintf(stderr, "  in %s's capture: %.*s\n", name, (int)len, line);
      }
    }
    next = i + 1;
    free(logger);
  }
  CHECK_U64(wrong, 0);
  CHECK_U64(next, expected);
}

int main(void) {
  static const char config_a[] =
      "{\"name\":\"a\",\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"}]}";
  static const char config_b[] =
      "{\"name\":\"b\",\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"}]}";
  asynclog_logger *a = logger_from(config_a);
  asynclog_logger *b = logger_from(config_b);

  for (int i = 0; i < A_EVENTS; i++) {
    log_numbered(a, "a", i);
    if (i % 2 == 0) {
      log_numbered(b, "b", i / 2);
    }
  }

  /* A level change on one is not seen by the other. */
  CHECK_STATUS(asynclog_logger_set_level(a, ASYNCLOG_LEVEL_ERROR),
               ASYNCLOG_OK);
  CHECK(!asynclog_logger_enabled(a, ASYNCLOG_LEVEL_INFO));
  CHECK(asynclog_logger_enabled(b, ASYNCLOG_LEVEL_INFO));

  /* Flushing a says nothing of b: a's books close, b's are its own. */
  flush_all(a);
  char *ma = metrics_of(a);
  char *name = json_string(ma, strlen(ma), "logger", NULL);
  CHECK_STR(name, "a");
  free(name);
  CHECK_U64(metric(ma, "submitted"), A_EVENTS);
  CHECK_U64(metric(ma, "sinks[0].written"), A_EVENTS);
  check_books_balance(ma, true);
  free(ma);

  char *mb = metrics_of(b);
  CHECK_U64(metric(mb, "submitted"), B_EVENTS);
  check_books_balance(mb, false);
  free(mb);

  /* Each capture holds its own logger's lines only. */
  char *text_a = capture_take(a, "cap");
  CHECK_U64(check_json_lines(text_a), A_EVENTS);
  check_own_lines(text_a, "a", A_EVENTS);
  free(text_a);

  flush_all(b);
  char *text_b = capture_take(b, "cap");
  CHECK_U64(check_json_lines(text_b), B_EVENTS);
  check_own_lines(text_b, "b", B_EVENTS);
  free(text_b);

  /* Shutting b down leaves a open; freeing b leaves a working. */
  CHECK_STATUS(asynclog_logger_shutdown(b, FLUSH_TIMEOUT_MS, NULL),
               ASYNCLOG_OK);
  CHECK_STATUS(asynclog_log(b, ASYNCLOG_LEVEL_ERROR, "closed", 6, NULL, 0),
               ASYNCLOG_ERR_CLOSED);
  CHECK_STATUS(asynclog_log(a, ASYNCLOG_LEVEL_ERROR, "open", 4, NULL, 0),
               ASYNCLOG_OK);
  asynclog_logger_free(b);
  CHECK_STATUS(asynclog_log(a, ASYNCLOG_LEVEL_ERROR, "still", 5, NULL, 0),
               ASYNCLOG_OK);
  flush_all(a);
  text_a = capture_take(a, "cap");
  CHECK_U64(check_json_lines(text_a), 2);
  free(text_a);

  ma = metrics_of(a);
  CHECK_U64(metric(ma, "submitted"), A_EVENTS + 2);
  CHECK_U64(metric(ma, "dropped.closed"), 0);
  check_books_balance(ma, true);
  free(ma);

  asynclog_logger_free(a);
  return CHECK_DONE();
}
