/*
 * Rule: a message, string or bytes value longer than max_message_bytes is
 * cut (on a character boundary) and ends with "...[truncated]"; fields
 * past max_fields are left out and counted in "asynclog.dropped_fields".
 * The event is still written, and counted once in the metrics' truncated.
 * Anything within the limits is untouched and not counted.
 */

#include "harness.h"

#define LIMIT 64
#define MARKER "...[truncated]"

static const char config[] =
    "{\"limits\":{\"max_message_bytes\":64,\"max_fields\":4},"
    "\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"}]}";

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s);
  size_t m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

int main(void) {
  asynclog_logger *logger = logger_from(config);
  char big[1000];
  memset(big, 'a', sizeof big);

  /* 1: a long message. */
  CHECK_STATUS(
      asynclog_log(logger, ASYNCLOG_LEVEL_INFO, big, sizeof big, NULL, 0),
      ASYNCLOG_OK);

  /* 2: a message of exactly the limit: untouched. */
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, big, LIMIT, NULL, 0),
               ASYNCLOG_OK);

  /* 3: two-byte characters: the cut may not split one. */
  char accents[80];
  for (size_t i = 0; i < sizeof accents; i += 2) {
    accents[i] = '\xc3';
    accents[i + 1] = '\xa9';
  }
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, accents,
                            sizeof accents, NULL, 0),
               ASYNCLOG_OK);

  /* 4: a long string value beside a short one. */
  asynclog_field values[] = {
      asynclog_field_strn("long", big, 200),
      asynclog_field_str("short", "kept"),
  };
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "v", 1, values, 2),
               ASYNCLOG_OK);

  /* 5: ten fields where four are allowed. */
  asynclog_field many[10];
  char keys[10][4];
  for (int i = 0; i < 10; i++) {
    snprintf(keys[i], sizeof keys[i], "k%d", i);
    many[i] = asynclog_field_i64(keys[i], i);
  }
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "many", 4, many, 10),
               ASYNCLOG_OK);

  /* 6: a long bytes value. */
  asynclog_field blob = asynclog_field_bytes("blob", big, 300);
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "b", 1, &blob, 1),
               ASYNCLOG_OK);

  flush_all(logger);
  char *text = capture_take(logger, "cap");
  REQUIRE(check_json_lines(text) == 6);
  const char *cursor = text;
  const char *line;
  size_t len;

  REQUIRE(next_line(&cursor, &line, &len));
  char *msg = line_string(line, len, "msg");
  REQUIRE(msg != NULL);
  CHECK(ends_with(msg, MARKER));
  CHECK(strlen(msg) <= LIMIT);
  CHECK(strlen(msg) > strlen(MARKER));
  CHECK(strspn(msg, "a") == strlen(msg) - strlen(MARKER));
  free(msg);

  REQUIRE(next_line(&cursor, &line, &len));
  msg = line_string(line, len, "msg");
  CHECK(msg != NULL && strlen(msg) == LIMIT && !ends_with(msg, MARKER));
  free(msg);

  REQUIRE(next_line(&cursor, &line, &len));
  msg = line_string(line, len, "msg");
  REQUIRE(msg != NULL);
  CHECK(ends_with(msg, MARKER));
  CHECK(strlen(msg) <= LIMIT);
  /* What is kept is whole characters: an even number of bytes. */
  CHECK((strlen(msg) - strlen(MARKER)) % 2 == 0);
  free(msg);

  REQUIRE(next_line(&cursor, &line, &len));
  char *value = line_string(line, len, "long");
  REQUIRE(value != NULL);
  CHECK(ends_with(value, MARKER));
  CHECK(strlen(value) <= LIMIT);
  free(value);
  value = line_string(line, len, "short");
  CHECK_STR(value, "kept");
  free(value);

  REQUIRE(next_line(&cursor, &line, &len));
  CHECK(json_lookup(line, len, "k3", NULL, NULL));
  CHECK(!json_lookup(line, len, "k4", NULL, NULL));
  /* The key holds a dot, which json_lookup reads as a path: compare the
   * text. */
  char *whole = strndup(line, len);
  CHECK_CONTAINS(whole, "\"asynclog.dropped_fields\":6");
  free(whole);

  REQUIRE(next_line(&cursor, &line, &len));
  value = line_string(line, len, "blob");
  CHECK(value != NULL && strlen(value) < 300);
  free(value);
  free(text);

  /* Five of the six events were cut somewhere. */
  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "truncated"), 5);
  CHECK_U64(metric(metrics, "sinks[0].written"), 6);
  CHECK_U64(metric(metrics, "dropped.too_large"), 0);
  check_books_balance(metrics, true);
  free(metrics);

  asynclog_logger_free(logger);
  return CHECK_DONE();
}
