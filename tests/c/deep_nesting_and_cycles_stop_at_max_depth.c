/*
 * Rule: objects and arrays nested deeper than max_depth are not followed:
 * the value at the limit becomes the marker "[max depth exceeded]", the
 * line is valid JSON, and the event is counted as truncated. So a
 * children pointer that points back at itself (a cycle) cannot loop or
 * overflow the stack.
 */

#include "harness.h"

#define DEPTH_MARKER "[max depth exceeded]"

/* The deepest nesting of objects and arrays in a JSON text. */
static int nesting(const char *s, size_t len) {
  int depth = 0;
  int deepest = 0;
  int in_string = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        in_string = 0;
      }
    } else if (c == '"') {
      in_string = 1;
    } else if (c == '{' || c == '[') {
      depth++;
      deepest = depth > deepest ? depth : deepest;
    } else if (c == '}' || c == ']') {
      depth--;
    }
  }
  return deepest;
}

/* Logs `fields` and returns the nesting of the one line written, after
 * checking it is valid JSON with the marker. */
static int log_and_measure(asynclog_logger *logger, const char *what,
                           const asynclog_field *fields, size_t count) {
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, what, strlen(what),
                            fields, count),
               ASYNCLOG_OK);
  flush_all(logger);
  char *text = capture_take(logger, "cap");
  int depth = -1;
  if (CHECK_U64(check_json_lines(text), 1)) {
    CHECK_CONTAINS(text, DEPTH_MARKER);
    /* Minus one for the record's own object. */
    depth = nesting(text, strlen(text)) - 1;
  }
  free(text);
  return depth;
}

static void chains(const char *config, int max_depth) {
  asynclog_logger *logger = logger_from(config);

  /* A chain of 100 objects. */
  asynclog_field chain[100];
  for (int i = 99; i >= 0; i--) {
    chain[i] = i == 99 ? asynclog_field_i64("leaf", 1)
                       : asynclog_field_object("o", &chain[i + 1], 1);
  }
  CHECK_INT(log_and_measure(logger, "chain", chain, 1), max_depth);

  /* A chain of 100 arrays. */
  asynclog_field arrays[100];
  for (int i = 99; i >= 0; i--) {
    arrays[i] = i == 99 ? asynclog_field_i64(NULL, 1)
                        : asynclog_field_array("a", &arrays[i + 1], 1);
  }
  CHECK_INT(log_and_measure(logger, "arrays", arrays, 1), max_depth);

  /* An object whose only child is itself. */
  asynclog_field self;
  self = asynclog_field_object("self", &self, 1);
  CHECK_INT(log_and_measure(logger, "self", &self, 1), max_depth);

  /* Two arrays that hold each other three times over: a cycle that also
   * fans out, so max_fields must stop it as well. */
  asynclog_field a[3];
  asynclog_field b[3];
  for (int i = 0; i < 3; i++) {
    a[i] = asynclog_field_array("a", b, 3);
    b[i] = asynclog_field_object("b", a, 3);
  }
  asynclog_field pair[2] = {asynclog_field_array("cycle", a, 3),
                            asynclog_field_str("after", "kept")};
  int depth = log_and_measure(logger, "pair", pair, 2);
  CHECK(depth >= 1 && depth <= max_depth);

  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "truncated"), 4);
  CHECK_U64(metric(metrics, "sinks[0].written"), 4);
  check_books_balance(metrics, true);
  free(metrics);
  asynclog_logger_free(logger);
}

int main(void) {
  /* The default limit, and a small one. */
  chains(CAPTURE_CONFIG, 16);
  chains("{\"limits\":{\"max_depth\":3},"
         "\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"}]}",
         3);
  return CHECK_DONE();
}
