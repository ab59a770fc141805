/*
 * Rule: asynclog_context_push adds fields to every record the calling
 * thread logs, through any logger, until its scope is popped. Scopes
 * nest, an inner key overrides an outer one (without repeating it), and
 * popping restores the context as it was before the push. Popping a
 * scope also closes the scopes opened inside it; popping a token that is
 * not open is ASYNCLOG_ERR_INVALID_ARGUMENT. Other threads never see the
 * scope.
 */

#include <pthread.h>

#include "harness.h"

static asynclog_logger *first;
static asynclog_logger *second;

static size_t push(const char *key, const char *value) {
  asynclog_field f = asynclog_field_str(key, value);
  size_t token = 0;
  REQUIRE_STATUS(asynclog_context_push(&f, 1, &token), ASYNCLOG_OK);
  return token;
}

/* Logs one event on `logger` and returns its line (malloc'd). */
static char *logged_line(asynclog_logger *logger) {
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "e", 1, NULL, 0),
               ASYNCLOG_OK);
  flush_all(logger);
  char *text = capture_take(logger, "cap");
  CHECK_U64(check_json_lines(text), 1);
  return text;
}

/* The value of `key` in the line, decoded, or "-" when absent. */
static void check_key(const char *line, const char *key,
                      const char *expected) {
  char *v = json_string(line, strlen(line), key, NULL);
  if (!CHECK_STR(v ? v : "-", expected)) {
    fprintf(stderr, "  key \"%s\" of %s", key, line);
  }
  free(v);
}

/* Logs through `logger` and checks the context keys of the line. */
static void expect(asynclog_logger *logger, const char *correlation,
                   const char *span, const char *extra) {
  char *line = logged_line(logger);
  check_key(line, "correlation_id", correlation);
  check_key(line, "span_id", span);
  check_key(line, "extra", extra);
  free(line);
}

static void *other_thread(void *unused) {
  (void)unused;
  /* The main thread's scopes are not this thread's. */
  expect(first, "-", "-", "-");
  /* And this thread cannot pop them. */
  CHECK_STATUS(asynclog_context_clear(), ASYNCLOG_OK);
  return NULL;
}

int main(void) {
  first = logger_from(CAPTURE_CONFIG);
  second = logger_from(CAPTURE_CONFIG);

  expect(first, "-", "-", "-");

  size_t outer = push("correlation_id", "c1");
  expect(first, "c1", "-", "-");
  /* Any logger of this thread. */
  expect(second, "c1", "-", "-");

  /* An inner key overrides; check_json_lines refuses a repeated key. */
  asynclog_field inner_fields[] = {
      asynclog_field_str("correlation_id", "c2"),
      asynclog_field_str("span_id", "s2"),
  };
  size_t inner = 0;
  REQUIRE_STATUS(asynclog_context_push(inner_fields, 2, &inner), ASYNCLOG_OK);
  CHECK(inner != outer);
  expect(first, "c2", "s2", "-");

  /* Popping restores what was there before the push. */
  CHECK_STATUS(asynclog_context_pop(inner), ASYNCLOG_OK);
  expect(first, "c1", "-", "-");

  /* Popping a scope closes the ones opened inside it. */
  size_t a = push("extra", "a");
  size_t b = push("span_id", "b");
  expect(first, "c1", "b", "a");
  CHECK_STATUS(asynclog_context_pop(a), ASYNCLOG_OK);
  expect(first, "c1", "-", "-");
  CHECK_STATUS(asynclog_context_pop(b), ASYNCLOG_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(asynclog_context_pop(a), ASYNCLOG_ERR_INVALID_ARGUMENT);

  /* A token that was never open. */
  CHECK_STATUS(asynclog_context_pop(987654321), ASYNCLOG_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(check_last_error(), "987654321");
  expect(first, "c1", "-", "-");

  /* Other threads see nothing. */
  pthread_t t;
  REQUIRE(pthread_create(&t, NULL, other_thread, NULL) == 0);
  REQUIRE(pthread_join(t, NULL) == 0);
  expect(first, "c1", "-", "-");

  CHECK_STATUS(asynclog_context_pop(outer), ASYNCLOG_OK);
  expect(first, "-", "-", "-");

  /* Clear closes everything; it is fine with nothing open. */
  push("correlation_id", "x");
  push("span_id", "y");
  CHECK_STATUS(asynclog_context_clear(), ASYNCLOG_OK);
  expect(first, "-", "-", "-");
  CHECK_STATUS(asynclog_context_clear(), ASYNCLOG_OK);

  /* The context is taken at the call: a scope popped before the worker
   * writes the event is still in its line. */
  size_t late = push("correlation_id", "at-the-call");
  CHECK_STATUS(asynclog_log(first, ASYNCLOG_LEVEL_INFO, "e", 1, NULL, 0),
               ASYNCLOG_OK);
  CHECK_STATUS(asynclog_context_pop(late), ASYNCLOG_OK);
  flush_all(first);
  char *text = capture_take(first, "cap");
  check_key(text, "correlation_id", "at-the-call");
  free(text);

  asynclog_logger_free(first);
  asynclog_logger_free(second);
  return CHECK_DONE();
}
