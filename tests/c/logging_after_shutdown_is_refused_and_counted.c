/*
 * Rule: asynclog_logger_shutdown drains every sink (everything logged
 * before it is written) and then refuses new events through every handle:
 * asynclog_log and asynclog_log_encoded return ASYNCLOG_ERR_CLOSED, and
 * each is counted as dropped (closed). The handles stay valid: metrics,
 * flush, a second shutdown and free still work.
 */

#include "harness.h"

#define BEFORE 100
#define AFTER 7

int main(void) {
  asynclog_logger *logger = logger_from(CAPTURE_CONFIG);
  asynclog_logger *child = NULL;
  REQUIRE_STATUS(asynclog_logger_with(logger, "child", 5, NULL, 0, &child),
                 ASYNCLOG_OK);

  for (int i = 0; i < BEFORE; i++) {
    asynclog_field f = asynclog_field_i64("i", i);
    CHECK_STATUS(asynclog_log(i % 2 ? child : logger, ASYNCLOG_LEVEL_INFO,
                              "before", 6, &f, 1),
                 ASYNCLOG_OK);
  }

  uint64_t pending = 99;
  CHECK_STATUS(asynclog_logger_shutdown(logger, FLUSH_TIMEOUT_MS, &pending),
               ASYNCLOG_OK);
  CHECK_U64(pending, 0);

  /* Everything logged before the shutdown was written. */
  char *text = capture_take(logger, "cap");
  CHECK_U64(check_json_lines(text), BEFORE);
  free(text);

  /* Refused through the logger, its child, and a child made after. */
  asynclog_logger *late = NULL;
  REQUIRE_STATUS(asynclog_logger_with(logger, "late", 4, NULL, 0, &late),
                 ASYNCLOG_OK);
  int closed = 0;
  for (int i = 0; i < AFTER; i++) {
    const asynclog_logger *h = i % 3 == 0 ? logger : i % 3 == 1 ? child : late;
    closed += CHECK_STATUS(
        asynclog_log(h, ASYNCLOG_LEVEL_ERROR, "after", 5, NULL, 0),
        ASYNCLOG_ERR_CLOSED);
    CHECK(check_last_error()[0] != '\0');
  }
  static const uint8_t encoded[] = {0x01, 1, 0, 'k'};
  closed +=
      CHECK_STATUS(asynclog_log_encoded(logger, ASYNCLOG_LEVEL_INFO, "after",
                                        5, encoded, sizeof encoded),
                   ASYNCLOG_ERR_CLOSED);
  /* Audit events too: nothing can be written any more. */
  closed += CHECK_STATUS(
      asynclog_log(logger, ASYNCLOG_LEVEL_AUDIT, "after", 5, NULL, 0),
      ASYNCLOG_ERR_CLOSED);

  /* The handles still answer. */
  CHECK_STATUS(asynclog_logger_flush(logger, 1000, &pending), ASYNCLOG_OK);
  CHECK_U64(pending, 0);
  CHECK_STATUS(asynclog_logger_shutdown(child, 1000, &pending), ASYNCLOG_OK);
  CHECK_U64(pending, 0);

  char *metrics = metrics_of(child);
  CHECK_U64(metric(metrics, "dropped.closed"), closed);
  CHECK_U64(metric(metrics, "sinks[0].dropped.closed"), closed);
  CHECK_U64(metric(metrics, "sinks[0].written"), BEFORE);
  CHECK_U64(metric(metrics, "submitted"), BEFORE + closed);
  check_books_balance(metrics, true);
  free(metrics);

  text = capture_take(logger, "cap");
  CHECK_STR(text, "");
  free(text);

  asynclog_logger_free(late);
  asynclog_logger_free(child);
  asynclog_logger_free(logger);
  return CHECK_DONE();
}
