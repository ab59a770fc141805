/*
 * Rule: every field type reaches an NDJSON line as the JSON value it
 * names, at its extremes too; strings are escaped so the line stays one
 * valid JSON object; keys stay unique (a field that repeats a reserved
 * key is renamed, a repeated field key is not written twice).
 */

#include <math.h>

#include "harness.h"

/* The raw JSON text of the value at `path` of `line`, compared. */
static void check_raw(const char *line, const char *path,
                      const char *expected) {
  const char *v = NULL;
  size_t n = 0;
  if (!CHECK(json_lookup(line, strlen(line), path, &v, &n))) {
    fprintf(stderr, "  no \"%s\" in %s\n", path, line);
    return;
  }
  char text[256];
  snprintf(text, sizeof text, "%.*s", (int)n, v);
  if (!CHECK_STR(text, expected)) {
    fprintf(stderr, "  at \"%s\" of %s\n", path, line);
  }
}

static double number_at(const char *line, const char *path) {
  const char *v = NULL;
  size_t n = 0;
  if (!CHECK(json_lookup(line, strlen(line), path, &v, &n))) {
    return NAN;
  }
  return strtod(v, NULL);
}

static void check_string(const char *line, const char *path,
                         const char *expected, size_t expected_len) {
  size_t len = 0;
  char *s = json_string(line, strlen(line), path, &len);
  if (!CHECK(s != NULL)) {
    fprintf(stderr, "  no string at \"%s\" of %s\n", path, line);
    return;
  }
  if (!CHECK(len == expected_len && memcmp(s, expected, len) == 0)) {
    fprintf(stderr, "  at \"%s\" of %s\n", path, line);
  }
  free(s);
}

static char *one_line(asynclog_logger *logger) {
  flush_all(logger);
  char *text = capture_take(logger, "cap");
  CHECK_U64(check_json_lines(text), 1);
  return text;
}

static void scalars(asynclog_logger *logger) {
  static const char ctl[] = "tab\t nl\n quote\" back\\ nul\0 esc\x1b"
                            " del\x7f ls\xe2\x80\xa8 \xf0\x9f\x98\x80";
  asynclog_field raw_true = asynclog_field_bool("raw2", false);
  /* C may store any byte in a bool's storage; non-zero means true. */
  unsigned char two = 2;
  memcpy(&raw_true.value.boolean, &two, 1);

  asynclog_field fields[] = {
      asynclog_field_null("nothing"),
      asynclog_field_str("s", "plain"),
      asynclog_field_strn("ctl", ctl, sizeof ctl - 1),
      asynclog_field_i64("min", INT64_MIN),
      asynclog_field_i64("max", INT64_MAX),
      asynclog_field_u64("umax", UINT64_MAX),
      asynclog_field_f64("tenth", 0.1),
      asynclog_field_f64("tiny", -1e-300),
      asynclog_field_f64("nan", NAN),
      asynclog_field_f64("inf", INFINITY),
      asynclog_field_bool("yes", true),
      asynclog_field_bool("no", false),
      raw_true,
      asynclog_field_bytes("b0", "", 0),
      asynclog_field_bytes("b1", "\xff", 1),
      asynclog_field_bytes("b2", "\x00\x01", 2),
      asynclog_field_bytes("b4", "\x00\x01\x02\xff", 4),
  };
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_WARN, "scalars", 7, fields,
                            ASYNCLOG_COUNT(fields)),
               ASYNCLOG_OK);
  char *line = one_line(logger);

  check_raw(line, "level", "\"WARN\"");
  check_raw(line, "logger", "\"app\"");
  check_raw(line, "msg", "\"scalars\"");
  check_raw(line, "nothing", "null");
  check_raw(line, "s", "\"plain\"");
  check_string(line, "ctl", ctl, sizeof ctl - 1);
  check_raw(line, "min", "-9223372036854775808");
  check_raw(line, "max", "9223372036854775807");
  check_raw(line, "umax", "18446744073709551615");
  /* Doubles read back exactly. */
  CHECK(number_at(line, "tenth") == 0.1);
  CHECK(number_at(line, "tiny") == -1e-300);
  /* NaN and infinity have no JSON number: any valid JSON value will do,
   * which check_json_lines proved; the key must still be there. */
  CHECK(json_lookup(line, strlen(line), "nan", NULL, NULL));
  CHECK(json_lookup(line, strlen(line), "inf", NULL, NULL));
  check_raw(line, "yes", "true");
  check_raw(line, "no", "false");
  check_raw(line, "raw2", "true");
  /* Bytes are standard base64 with padding. */
  check_raw(line, "b0", "\"\"");
  check_raw(line, "b1", "\"/w==\"");
  check_raw(line, "b2", "\"AAE=\"");
  check_raw(line, "b4", "\"AAEC/w==\"");

  /* The timestamp is RFC 3339 in UTC. */
  char *ts = json_string(line, strlen(line), "ts", NULL);
  CHECK(ts != NULL && strlen(ts) >= 20 && ts[4] == '-' && ts[10] == 'T' &&
        ts[strlen(ts) - 1] == 'Z');
  free(ts);
  free(line);
}

static void containers(asynclog_logger *logger) {
  asynclog_field inner[] = {
      asynclog_field_i64("a", 1),
      asynclog_field_str("b", "x"),
  };
  /* Keys of array elements are ignored. */
  asynclog_field items[] = {
      asynclog_field_i64("ignored", 1),
      asynclog_field_str(NULL, "two"),
      asynclog_field_null("also ignored"),
      asynclog_field_object(NULL, inner, 2),
  };
  asynclog_field fields[] = {
      asynclog_field_object("obj", inner, 2),
      asynclog_field_array("arr", items, ASYNCLOG_COUNT(items)),
      asynclog_field_object("empty_obj", NULL, 0),
      asynclog_field_array("empty_arr", NULL, 0),
  };
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "containers", 10,
                            fields, ASYNCLOG_COUNT(fields)),
               ASYNCLOG_OK);
  char *line = one_line(logger);
  check_raw(line, "obj", "{\"a\":1,\"b\":\"x\"}");
  check_raw(line, "arr[0]", "1");
  check_raw(line, "arr[1]", "\"two\"");
  check_raw(line, "arr[2]", "null");
  check_raw(line, "arr[3].b", "\"x\"");
  check_raw(line, "empty_obj", "{}");
  check_raw(line, "empty_arr", "[]");
  free(line);
}

static void keys_stay_unique(asynclog_logger *logger) {
  /* check_json_lines refuses an object with a repeated key. */
  asynclog_field fields[] = {
      asynclog_field_str("msg", "from a field"),
      asynclog_field_str("level", "from a field"),
      asynclog_field_str("ts", "from a field"),
      asynclog_field_str("logger", "from a field"),
      asynclog_field_i64("dup", 1),
      asynclog_field_i64("dup", 2),
      asynclog_field_i64("", 3),
      asynclog_field_i64(NULL, 4),
  };
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "the message", 11,
                            fields, ASYNCLOG_COUNT(fields)),
               ASYNCLOG_OK);
  char *line = one_line(logger);
  /* The reserved keys keep their own values. */
  check_raw(line, "msg", "\"the message\"");
  check_raw(line, "level", "\"INFO\"");
  check_raw(line, "logger", "\"app\"");
  /* The fields' values are still in the line, under other keys. */
  CHECK_CONTAINS(line, "from a field");
  free(line);
}

int main(void) {
  asynclog_logger *logger = logger_from(CAPTURE_CONFIG);
  scalars(logger);
  containers(logger);
  keys_stay_unique(logger);
  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "sinks[0].written"), 3);
  check_books_balance(metrics, true);
  free(metrics);
  asynclog_logger_free(logger);
  return CHECK_DONE();
}
