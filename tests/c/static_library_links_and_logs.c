/*
 * Rule: libasynclog.a links on its own with the system libraries the
 * pkg-config file names in Libs.private (-lpthread -ldl -lm), and works
 * like the shared library.
 */

#include "harness.h"

int main(void) {
  asynclog_logger *logger = logger_from(CAPTURE_CONFIG);
  CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "static", 6, NULL, 0),
               ASYNCLOG_OK);
  flush_all(logger);
  char *text = capture_take(logger, "cap");
  CHECK_U64(check_json_lines(text), 1);
  CHECK_CONTAINS(text, "\"msg\":\"static\"");
  free(text);
  asynclog_logger_free(logger);
  return CHECK_DONE();
}
