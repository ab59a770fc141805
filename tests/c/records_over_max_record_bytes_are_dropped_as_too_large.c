/*
 * Rule: a record still larger than max_record_bytes after truncation is
 * not written: asynclog_log returns ASYNCLOG_ERR_TOO_LARGE, the last error
 * says why, and the event is counted as dropped (too_large) for the
 * logger and for every sink, and announced there by an in-band notice.
 * Records within the bound are written.
 */

#include "harness.h"

static const char config[] =
    "{\"limits\":{\"max_record_bytes\":512},"
    "\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"},"
    "{\"type\":\"capture\",\"name\":\"other\"}]}";

int main(void) {
  asynclog_logger *logger = logger_from(config);
  char value[200];
  memset(value, 'v', sizeof value);

  /* Each field alone is within every limit; together they are not. */
  asynclog_field fields[4];
  static const char *const keys[] = {"a", "b", "c", "d"};
  for (size_t i = 0; i < 4; i++) {
    fields[i] = asynclog_field_strn(keys[i], value, sizeof value);
  }

  int too_large = 0;
  for (int i = 0; i < 3; i++) {
    CHECK_STATUS(
        asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "small", 5, fields, 1),
        ASYNCLOG_OK);
    if (CHECK_STATUS(
            asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "big", 3, fields, 4),
            ASYNCLOG_ERR_TOO_LARGE)) {
      too_large++;
    }
    CHECK_CONTAINS(check_last_error(), "max_record_bytes");
  }
  /* Audit events obey the same bound. */
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_AUDIT, "big", 3, fields, 4),
               ASYNCLOG_ERR_TOO_LARGE);
  too_large++;

  flush_all(logger);
  char *text = capture_take(logger, "cap");
  CHECK_U64(check_event_lines(text), 3);
  CHECK(strstr(text, "\"big\"") == NULL);
  /* The drops are announced in each sink's stream. */
  check_drop_notice(logger, "cap", text, "too_large");
  free(text);
  text = capture_take(logger, "other");
  CHECK_U64(check_event_lines(text), 3);
  check_drop_notice(logger, "other", text, "too_large");
  free(text);

  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "dropped.too_large"), too_large);
  CHECK_U64(metric(metrics, "sinks[0].dropped.too_large"), too_large);
  CHECK_U64(metric(metrics, "sinks[1].dropped.too_large"), too_large);
  CHECK_U64(metric(metrics, "sinks[0].written"), 3);
  CHECK_U64(metric(metrics, "sinks[1].written"), 3);
  CHECK_U64(metric(metrics, "submitted"), 3 + too_large);
  check_books_balance(metrics, true);
  free(metrics);

  asynclog_logger_free(logger);
  return CHECK_DONE();
}
