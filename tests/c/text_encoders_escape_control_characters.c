/*
 * Rule: the logfmt and console encoders write one line per event and
 * escape what could break a line or a terminal: a newline in a message or
 * value stays inside its line, and no raw ESC byte (the start of a
 * terminal control sequence) reaches the output.
 */

#include "harness.h"

static size_t count_char(const char *s, char c) {
  size_t n = 0;
  for (; *s; s++) {
    n += *s == c;
  }
  return n;
}

int main(void) {
  asynclog_logger *logger = logger_from(
      "{\"sinks\":[{\"type\":\"capture\",\"name\":\"logfmt\","
      "\"encoder\":\"logfmt\"},"
      "{\"type\":\"capture\",\"name\":\"console\",\"encoder\":\"console\","
      "\"color\":\"never\"}]}");

  static const char message[] = "two\nlines \x1b[2J and \x1b]0;title\x07";
  asynclog_field fields[] = {
      asynclog_field_str("value", "red \x1b[31m\r\nnext"),
      asynclog_field_i64("n", 7),
  };
  for (int i = 0; i < 3; i++) {
    CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_WARN, message,
                              sizeof message - 1, fields, 2),
                 ASYNCLOG_OK);
  }
  flush_all(logger);

  static const char *const sinks[] = {"logfmt", "console"};
  for (size_t i = 0; i < 2; i++) {
    char *text = capture_take(logger, sinks[i]);
    if (!CHECK_U64(count_char(text, '\n'), 3) ||
        !CHECK(strchr(text, '\x1b') == NULL) ||
        !CHECK(strchr(text, '\r') == NULL) ||
        !CHECK(strchr(text, '\x07') == NULL)) {
      fprintf(stderr, "  sink %s wrote:\n%s\n", sinks[i], text);
    }
    CHECK_CONTAINS(text, "n=7");
    free(text);
  }

  char *metrics = metrics_of(logger);
  check_books_balance(metrics, true);
  free(metrics);
  asynclog_logger_free(logger);
  return CHECK_DONE();
}
