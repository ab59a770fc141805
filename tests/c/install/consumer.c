/*
 * A program built against an installed asynclog, as a user builds one:
 * through pkg-config or find_package(asynclog). It must start (find
 * libasynclog.so.0), agree with its header on the version, and log.
 */

#include <stdio.h>
#include <string.h>

#include <asynclog.h>

int main(void) {
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", ASYNCLOG_VERSION_MAJOR,
           ASYNCLOG_VERSION_MINOR, ASYNCLOG_VERSION_PATCH);
  if (strcmp(asynclog_version(), expected) != 0) {
    fprintf(stderr, "library %s, header %s\n", asynclog_version(), expected);
    return 1;
  }

  static const char config[] =
      "{\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"}]}";
  asynclog_logger *logger = NULL;
  if (asynclog_logger_new(config, strlen(config), &logger) != ASYNCLOG_OK) {
    fprintf(stderr, "asynclog_logger_new failed\n");
    return 1;
  }
  asynclog_field field = asynclog_field_str("from", "consumer");
  int status =
      asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "installed", 9, &field, 1);
  uint64_t pending = 1;
  if (status == ASYNCLOG_OK) {
    status = asynclog_logger_flush(logger, 30000, &pending);
  }
  char buf[1024];
  size_t len = 0;
  if (status == ASYNCLOG_OK) {
    status =
        asynclog_logger_capture_take(logger, "cap", 3, buf, sizeof buf, &len);
  }
  asynclog_logger_free(logger);
  if (status != ASYNCLOG_OK || strstr(buf, "\"from\":\"consumer\"") == NULL) {
    fprintf(stderr, "logging failed: %s\n", asynclog_status_str(status));
    return 1;
  }
  printf("consumer ok: asynclog %s\n", asynclog_version());
  return 0;
}
