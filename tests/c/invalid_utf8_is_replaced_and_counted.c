/*
 * Rule: invalid UTF-8 in a message, a key or a value never stops a line:
 * each bad sequence becomes U+FFFD, the line is valid JSON, and each
 * event with a replacement is counted once in the metrics' invalid_utf8.
 * Valid UTF-8 passes unchanged and is not counted.
 */

#include "harness.h"

#define FFFD "\xef\xbf\xbd"

/* The decoded string at `path` holds U+FFFD and the text around the bad
 * bytes. */
static void check_replaced(const char *line, size_t len, const char *path,
                           const char *before, const char *after) {
  char *s = line_string(line, len, path);
  if (!CHECK(s != NULL)) {
    fprintf(stderr, "  no string at \"%s\" in %.*s\n", path, (int)len, line);
    return;
  }
  CHECK_CONTAINS(s, FFFD);
  CHECK(strncmp(s, before, strlen(before)) == 0);
  CHECK(strlen(s) >= strlen(after) &&
        strcmp(s + strlen(s) - strlen(after), after) == 0);
  free(s);
}

int main(void) {
  asynclog_logger *logger = logger_from(CAPTURE_CONFIG);

  /* 1: a lone continuation byte and a stray 0xff in the message. */
  static const char message[] = "bad \x80 and \xff end";
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, message,
                            sizeof message - 1, NULL, 0),
               ASYNCLOG_OK);

  /* 2: a key cut inside a two-byte sequence. */
  asynclog_field key = asynclog_field_i64(NULL, 1);
  key.key = "key\xc3";
  key.key_len = 4;
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "key", 3, &key, 1),
               ASYNCLOG_OK);

  /* 3: values: an overlong '/', an encoded surrogate, a truncated
   * three-byte sequence at the very end. */
  static const char overlong[] = "a\xc0\xaf"
                                 "b";
  static const char surrogate[] = "c\xed\xa0\x80"
                                  "d";
  static const char cut[] = "e\xe2\x82";
  asynclog_field values[] = {
      asynclog_field_strn("overlong", overlong, sizeof overlong - 1),
      asynclog_field_strn("surrogate", surrogate, sizeof surrogate - 1),
      asynclog_field_strn("cut", cut, sizeof cut - 1),
  };
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "values", 6, values,
                            ASYNCLOG_COUNT(values)),
               ASYNCLOG_OK);

  /* 4: a bad value nested in an object. */
  asynclog_field inner = asynclog_field_strn("deep", "x\xfey", 3);
  asynclog_field outer = asynclog_field_object("outer", &inner, 1);
  CHECK_STATUS(
      asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "nested", 6, &outer, 1),
      ASYNCLOG_OK);

  /* 5: valid multi-byte text: unchanged, not counted. */
  static const char good[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
  asynclog_field fine = asynclog_field_str("good", good);
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, good, sizeof good - 1,
                            &fine, 1),
               ASYNCLOG_OK);

  flush_all(logger);
  char *text = capture_take(logger, "cap");
  REQUIRE(check_json_lines(text) == 5);

  const char *cursor = text;
  const char *line;
  size_t len;

  REQUIRE(next_line(&cursor, &line, &len));
  check_replaced(line, len, "msg", "bad ", " end");
  char *msg = line_string(line, len, "msg");
  CHECK_STR(msg, "bad " FFFD " and " FFFD " end");
  free(msg);

  REQUIRE(next_line(&cursor, &line, &len));
  CHECK(json_lookup(line, len, "key" FFFD, NULL, NULL));

  REQUIRE(next_line(&cursor, &line, &len));
  check_replaced(line, len, "overlong", "a", "b");
  check_replaced(line, len, "surrogate", "c", "d");
  check_replaced(line, len, "cut", "e", "");

  REQUIRE(next_line(&cursor, &line, &len));
  check_replaced(line, len, "outer.deep", "x", "y");

  REQUIRE(next_line(&cursor, &line, &len));
  char *same = line_string(line, len, "good");
  CHECK_STR(same, good);
  free(same);
  same = line_string(line, len, "msg");
  CHECK_STR(same, good);
  free(same);
  CHECK(strstr(line, FFFD) == NULL);
  free(text);

  /* Four events had replacements; each is counted once and still
   * written. */
  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "invalid_utf8"), 4);
  CHECK_U64(metric(metrics, "sinks[0].written"), 5);
  CHECK_U64(metric(metrics, "dropped.invalid"), 0);
  check_books_balance(metrics, true);
  free(metrics);

  asynclog_logger_free(logger);
  return CHECK_DONE();
}
