/*
 * Rule: a NULL where the header requires a pointer returns
 * ASYNCLOG_ERR_NULL (or ASYNCLOG_ERR_INVALID_ARGUMENT for a pointer inside
 * a field, which is a bad field), leaves the outputs untouched, and leaves
 * a last error that names the argument. Where the header allows NULL, NULL
 * works.
 */

#include <stdint.h>

#include "harness.h"

/* Leaves a known message behind, so that each check below proves that
 * the call wrote a message of its own. */
#define PLANTED "no context scope"
static void plant_error(void) {
  CHECK_STATUS(asynclog_context_pop(SIZE_MAX - 7),
               ASYNCLOG_ERR_INVALID_ARGUMENT);
}

static void check_message_names(const char *needle, int line) {
  const char *message = check_last_error();
  if (!CHECK(message[0] != '\0' && strstr(message, PLANTED) == NULL) ||
      !CHECK_CONTAINS(message, needle)) {
    fprintf(stderr, "  (the call at line %d)\n", line);
  }
}

/* The call returns `status` and its message names `needle`. */
#define CHECK_REFUSED(call, status, needle)                                   \
  do {                                                                        \
    plant_error();                                                            \
    CHECK_STATUS(call, status);                                               \
    check_message_names(needle, __LINE__);                                    \
  } while (0)

/* A handle that is never a real one, to see outputs left untouched. */
#define UNTOUCHED ((asynclog_logger *)(uintptr_t)0x5eed)

static void logger_new_and_from_file(void) {
  asynclog_logger *out = UNTOUCHED;
  CHECK_REFUSED(asynclog_logger_new(NULL, 5, &out), ASYNCLOG_ERR_NULL,
                "config");
  CHECK(out == UNTOUCHED);
  CHECK_REFUSED(
      asynclog_logger_new(CAPTURE_CONFIG, strlen(CAPTURE_CONFIG), NULL),
      ASYNCLOG_ERR_NULL, "out");

  CHECK_REFUSED(asynclog_logger_new_from_file(NULL, 5, &out),
                ASYNCLOG_ERR_NULL, "path");
  CHECK(out == UNTOUCHED);
  CHECK_REFUSED(asynclog_logger_new_from_file("/x.json", 7, NULL),
                ASYNCLOG_ERR_NULL, "out");

  /* NULL is ignored by free. */
  asynclog_logger_free(NULL);
}

static void log_and_its_fields(const asynclog_logger *logger) {
  asynclog_field ok = asynclog_field_i64("n", 1);
  CHECK_REFUSED(asynclog_log(NULL, ASYNCLOG_LEVEL_INFO, "m", 1, &ok, 1),
                ASYNCLOG_ERR_NULL, "logger");
  CHECK_REFUSED(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, NULL, 5, &ok, 1),
                ASYNCLOG_ERR_NULL, "message");
  CHECK_REFUSED(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "m", 1, NULL, 2),
                ASYNCLOG_ERR_NULL, "fields");

  /* Pointers inside fields: each names the field's position. */
  asynclog_field key = asynclog_field_i64("n", 1);
  key.key = NULL;
  CHECK_REFUSED(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "m", 1, &key, 1),
                ASYNCLOG_ERR_INVALID_ARGUMENT, "fields[0].key");

  asynclog_field str[2] = {ok, asynclog_field_strn("s", NULL, 4)};
  CHECK_REFUSED(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "m", 1, str, 2),
                ASYNCLOG_ERR_INVALID_ARGUMENT, "fields[1].str");

  asynclog_field bytes = asynclog_field_bytes("b", NULL, 3);
  CHECK_REFUSED(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "m", 1, &bytes, 1),
                ASYNCLOG_ERR_INVALID_ARGUMENT, "fields[0].bytes");

  asynclog_field children = asynclog_field_object("o", NULL, 2);
  CHECK_REFUSED(
      asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "m", 1, &children, 1),
      ASYNCLOG_ERR_INVALID_ARGUMENT, "fields[0]");

  asynclog_field inner = key;
  asynclog_field outer = asynclog_field_object("o", &inner, 1);
  CHECK_REFUSED(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "m", 1, &outer, 1),
                ASYNCLOG_ERR_INVALID_ARGUMENT, "fields[0][0].key");

  /* Allowed: NULL with length 0 for the message, the fields, a key and a
   * string value. */
  asynclog_field empty[2] = {asynclog_field_i64(NULL, 1),
                             asynclog_field_strn("s", NULL, 0)};
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, NULL, 0, NULL, 0),
               ASYNCLOG_OK);
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "m", 1, empty, 2),
               ASYNCLOG_OK);
}

static void log_encoded(const asynclog_logger *logger) {
  static const uint8_t null_field[] = {0x01, 1, 0, 'k'};
  CHECK_REFUSED(asynclog_log_encoded(NULL, ASYNCLOG_LEVEL_INFO, "m", 1,
                                     null_field, sizeof null_field),
                ASYNCLOG_ERR_NULL, "logger");
  CHECK_REFUSED(asynclog_log_encoded(logger, ASYNCLOG_LEVEL_INFO, NULL, 3,
                                     null_field, sizeof null_field),
                ASYNCLOG_ERR_NULL, "message");
  CHECK_REFUSED(
      asynclog_log_encoded(logger, ASYNCLOG_LEVEL_INFO, "m", 1, NULL, 4),
      ASYNCLOG_ERR_NULL, "fields");
  CHECK_STATUS(
      asynclog_log_encoded(logger, ASYNCLOG_LEVEL_INFO, "m", 1, NULL, 0),
      ASYNCLOG_OK);
}

static void logger_with(const asynclog_logger *logger) {
  asynclog_field f = asynclog_field_i64("n", 1);
  asynclog_logger *out = UNTOUCHED;
  CHECK_REFUSED(asynclog_logger_with(NULL, "c", 1, &f, 1, &out),
                ASYNCLOG_ERR_NULL, "logger");
  CHECK_REFUSED(asynclog_logger_with(logger, "c", 1, &f, 1, NULL),
                ASYNCLOG_ERR_NULL, "out");
  CHECK_REFUSED(asynclog_logger_with(logger, "c", 1, NULL, 1, &out),
                ASYNCLOG_ERR_NULL, "fields");
  asynclog_field key = f;
  key.key = NULL;
  CHECK_REFUSED(asynclog_logger_with(logger, "c", 1, &key, 1, &out),
                ASYNCLOG_ERR_INVALID_ARGUMENT, "fields[0].key");
  CHECK(out == UNTOUCHED);

  /* Allowed: no name, no fields. */
  CHECK_STATUS(asynclog_logger_with(logger, NULL, 0, NULL, 0, &out),
               ASYNCLOG_OK);
  CHECK(out != UNTOUCHED && out != NULL);
  if (out != UNTOUCHED) {
    asynclog_logger_free(out);
  }
}

static void logger_controls(const asynclog_logger *logger) {
  CHECK_REFUSED(asynclog_logger_set_level(NULL, ASYNCLOG_LEVEL_INFO),
                ASYNCLOG_ERR_NULL, "logger");
  CHECK(!asynclog_logger_enabled(NULL, ASYNCLOG_LEVEL_INFO));

  uint64_t pending = 77;
  CHECK_REFUSED(asynclog_logger_flush(NULL, 10, &pending), ASYNCLOG_ERR_NULL,
                "logger");
  CHECK_REFUSED(asynclog_logger_shutdown(NULL, 10, &pending),
                ASYNCLOG_ERR_NULL, "logger");
  CHECK_U64(pending, 77);
  CHECK_STATUS(asynclog_logger_flush(logger, FLUSH_TIMEOUT_MS, NULL),
               ASYNCLOG_OK);

  char buf[8192];
  size_t len = 77;
  CHECK_REFUSED(asynclog_logger_metrics(NULL, buf, sizeof buf, &len),
                ASYNCLOG_ERR_NULL, "logger");
  CHECK_U64(len, 77);
  /* A NULL buffer is the size query, not an error of its own. */
  CHECK_STATUS(asynclog_logger_metrics(logger, NULL, 0, &len),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  CHECK(len > 2 && len != 77);
  CHECK_STATUS(asynclog_logger_metrics(logger, NULL, 0, NULL),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  CHECK_STATUS(asynclog_logger_metrics(logger, buf, sizeof buf, NULL),
               ASYNCLOG_OK);

  CHECK_REFUSED(
      asynclog_logger_capture_take(NULL, "cap", 3, buf, sizeof buf, &len),
      ASYNCLOG_ERR_NULL, "logger");
  CHECK_REFUSED(
      asynclog_logger_capture_take(logger, NULL, 3, buf, sizeof buf, &len),
      ASYNCLOG_ERR_NULL, "sink");
  CHECK_STATUS(asynclog_logger_capture_take(logger, "cap", 3, NULL, 0, &len),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  CHECK_STATUS(
      asynclog_logger_capture_take(logger, "cap", 3, buf, sizeof buf, NULL),
      ASYNCLOG_OK);
}

static void context(void) {
  asynclog_field f = asynclog_field_str("correlation_id", "c-1");
  size_t token = 77;
  CHECK_REFUSED(asynclog_context_push(&f, 1, NULL), ASYNCLOG_ERR_NULL,
                "token_out");
  CHECK_REFUSED(asynclog_context_push(NULL, 2, &token), ASYNCLOG_ERR_NULL,
                "fields");
  asynclog_field key = f;
  key.key = NULL;
  CHECK_REFUSED(asynclog_context_push(&key, 1, &token),
                ASYNCLOG_ERR_INVALID_ARGUMENT, "fields[0].key");
  CHECK_U64(token, 77);

  /* Allowed: an empty scope. */
  CHECK_STATUS(asynclog_context_push(NULL, 0, &token), ASYNCLOG_OK);
  CHECK_STATUS(asynclog_context_pop(token), ASYNCLOG_OK);
}

static void static_strings_and_last_error(void) {
  CHECK(asynclog_version() != NULL);
  CHECK(asynclog_status_str(-12345) != NULL);

  size_t len = 0;
  plant_error();
  CHECK_STATUS(asynclog_last_error(NULL, 0, &len),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  CHECK(len > 0);
  CHECK_STATUS(asynclog_last_error(NULL, 0, NULL),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  char buf[256];
  CHECK_STATUS(asynclog_last_error(buf, sizeof buf, NULL), ASYNCLOG_OK);
  CHECK_CONTAINS(buf, PLANTED);
}

int main(void) {
  asynclog_logger *logger = logger_from(CAPTURE_CONFIG);

  logger_new_and_from_file();
  log_and_its_fields(logger);
  log_encoded(logger);
  logger_with(logger);
  logger_controls(logger);
  context();
  static_strings_and_last_error();

  /* Each bad field was counted as dropped (invalid); arguments refused
   * before the logger saw them were not counted at all. */
  flush_all(logger);
  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "dropped.invalid"), 5);
  CHECK_U64(metric(metrics, "submitted"), 8);
  CHECK_U64(metric(metrics, "sinks[0].written"), 3);
  check_books_balance(metrics, true);
  free(metrics);

  asynclog_logger_free(logger);
  return CHECK_DONE();
}
