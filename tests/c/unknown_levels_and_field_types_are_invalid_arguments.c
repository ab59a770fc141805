/*
 * Rule: a level that is not one of ASYNCLOG_LEVEL_* and a field type that
 * is not one of ASYNCLOG_FIELD_* are ASYNCLOG_ERR_INVALID_ARGUMENT, with a
 * message naming the value (and, for a field, its position). Nothing is
 * written; a bad field is counted as dropped (invalid). A bad level does
 * not change a logger's level, a bad context field opens no scope, and a
 * bad bound field makes no child.
 */

#include <stdint.h>

#include "harness.h"

#define UNTOUCHED ((asynclog_logger *)(uintptr_t)0x5eed)

static const asynclog_level bad_levels[] = {8, 9, 255, 256, UINT32_MAX};

static void levels(const asynclog_logger *logger) {
  static const uint8_t encoded[] = {0x01, 1, 0, 'k'};
  for (size_t i = 0; i < ASYNCLOG_COUNT(bad_levels); i++) {
    char number[32];
    snprintf(number, sizeof number, "%lu", (unsigned long)bad_levels[i]);

    CHECK_STATUS(asynclog_log(logger, bad_levels[i], "m", 1, NULL, 0),
                 ASYNCLOG_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(check_last_error(), number);
    CHECK_STATUS(asynclog_log_encoded(logger, bad_levels[i], "m", 1, encoded,
                                      sizeof encoded),
                 ASYNCLOG_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(check_last_error(), number);
    CHECK_STATUS(asynclog_logger_set_level(logger, bad_levels[i]),
                 ASYNCLOG_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(check_last_error(), number);
    CHECK(!asynclog_logger_enabled(logger, bad_levels[i]));
  }
  /* The level is still the default, INFO. */
  CHECK(asynclog_logger_enabled(logger, ASYNCLOG_LEVEL_INFO));
  CHECK(!asynclog_logger_enabled(logger, ASYNCLOG_LEVEL_DEBUG));
}

static int field_types(const asynclog_logger *logger) {
  int refused = 0;
  static const asynclog_field_type bad_types[] = {9, 10, 1000, UINT32_MAX};
  for (size_t i = 0; i < ASYNCLOG_COUNT(bad_types); i++) {
    asynclog_field fields[2] = {asynclog_field_i64("ok", 1),
                                asynclog_field_i64("bad", 2)};
    fields[1].type_ = bad_types[i];
    char needle[64];
    snprintf(needle, sizeof needle, "fields[1]: unknown field type %lu",
             (unsigned long)bad_types[i]);
    if (CHECK_STATUS(
            asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "m", 1, fields, 2),
            ASYNCLOG_ERR_INVALID_ARGUMENT)) {
      refused++;
    }
    CHECK_CONTAINS(check_last_error(), needle);
  }

  /* Inside an object, the position is the path to it. */
  asynclog_field inner[2] = {asynclog_field_null("n"),
                             asynclog_field_i64("bad", 1)};
  inner[1].type_ = 42;
  asynclog_field outer = asynclog_field_object("o", inner, 2);
  if (CHECK_STATUS(
          asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "m", 1, &outer, 1),
          ASYNCLOG_ERR_INVALID_ARGUMENT)) {
    refused++;
  }
  CHECK_CONTAINS(check_last_error(), "fields[0][1]: unknown field type 42");
  return refused;
}

static void context_and_children(const asynclog_logger *logger) {
  asynclog_field bad = asynclog_field_str("correlation_id", "c-1");
  bad.type_ = 77;

  size_t token = 12345;
  CHECK_STATUS(asynclog_context_push(&bad, 1, &token),
               ASYNCLOG_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(check_last_error(), "unknown field type 77");
  CHECK_U64(token, 12345);

  asynclog_logger *child = UNTOUCHED;
  CHECK_STATUS(asynclog_logger_with(logger, "c", 1, &bad, 1, &child),
               ASYNCLOG_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(check_last_error(), "unknown field type 77");
  CHECK(child == UNTOUCHED);

  /* No scope was opened: the next event carries no correlation id. */
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "after", 5, NULL, 0),
               ASYNCLOG_OK);
}

int main(void) {
  asynclog_logger *logger = logger_from(CAPTURE_CONFIG);

  levels(logger);
  int refused = field_types(logger);
  context_and_children(logger);

  flush_all(logger);
  char *text = capture_take(logger, "cap");
  CHECK_U64(check_event_lines(text), 1);
  CHECK_CONTAINS(text, "\"msg\":\"after\"");
  CHECK(strstr(text, "correlation_id") == NULL);
  free(text);

  /* Bad levels never reached the logger; bad fields were counted. */
  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "dropped.invalid"), refused);
  CHECK_U64(metric(metrics, "submitted"), refused + 1);
  CHECK_U64(metric(metrics, "sinks[0].written"), 1);
  check_books_balance(metrics, true);
  free(metrics);

  asynclog_logger_free(logger);
  return CHECK_DONE();
}
