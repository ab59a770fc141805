/*
 * Rule: status numbers are stable and never reused, and every one has a
 * static description; an unknown number reads "unknown status", never
 * NULL.
 */

#include <stdint.h>

#include "check.h"

int main(void) {
  /* The numbers themselves are part of the ABI. */
  CHECK_INT(ASYNCLOG_OK, 0);
  CHECK_INT(ASYNCLOG_ERR_NULL, 1);
  CHECK_INT(ASYNCLOG_ERR_INVALID_ARGUMENT, 2);
  CHECK_INT(ASYNCLOG_ERR_BUFFER_TOO_SMALL, 3);
  CHECK_INT(ASYNCLOG_ERR_INVALID_RECORD, 4);
  CHECK_INT(ASYNCLOG_ERR_CONFIG, 100);
  CHECK_INT(ASYNCLOG_ERR_IO, 101);
  CHECK_INT(ASYNCLOG_ERR_PLUGIN, 102);
  CHECK_INT(ASYNCLOG_ERR_QUEUE_FULL, 200);
  CHECK_INT(ASYNCLOG_ERR_TOO_LARGE, 201);
  CHECK_INT(ASYNCLOG_ERR_CLOSED, 202);
  CHECK_INT(ASYNCLOG_ERR_TIMEOUT, 203);
  CHECK_INT(ASYNCLOG_ERR_NO_SUCH_SINK, 204);
  CHECK_INT(ASYNCLOG_ERR_PANIC, 900);

  static const int codes[] = {
      ASYNCLOG_OK,
      ASYNCLOG_ERR_NULL,
      ASYNCLOG_ERR_INVALID_ARGUMENT,
      ASYNCLOG_ERR_BUFFER_TOO_SMALL,
      ASYNCLOG_ERR_INVALID_RECORD,
      ASYNCLOG_ERR_CONFIG,
      ASYNCLOG_ERR_IO,
      ASYNCLOG_ERR_PLUGIN,
      ASYNCLOG_ERR_QUEUE_FULL,
      ASYNCLOG_ERR_TOO_LARGE,
      ASYNCLOG_ERR_CLOSED,
      ASYNCLOG_ERR_TIMEOUT,
      ASYNCLOG_ERR_NO_SUCH_SINK,
      ASYNCLOG_ERR_PANIC,
  };
  size_t n = sizeof codes / sizeof codes[0];

  /* Each known code: a non-empty text of its own. */
  for (size_t i = 0; i < n; i++) {
    const char *text = asynclog_status_str(codes[i]);
    REQUIRE(text != NULL);
    if (!CHECK(text[0] != '\0' && strcmp(text, "unknown status") != 0)) {
      fprintf(stderr, "  status %d reads \"%s\"\n", codes[i], text);
    }
    for (size_t j = 0; j < i; j++) {
      if (!CHECK(strcmp(text, asynclog_status_str(codes[j])) != 0)) {
        fprintf(stderr, "  statuses %d and %d share \"%s\"\n", codes[i],
                codes[j], text);
      }
    }
  }

  /* Numbers that are not statuses, including the extremes. */
  static const int32_t unknown[] = {
      -1, 5, 99, 103, 199, 205, 899, 901, INT32_MIN, INT32_MAX,
  };
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    const char *text = asynclog_status_str(unknown[i]);
    REQUIRE(text != NULL);
    CHECK_STR(text, "unknown status");
  }

  return CHECK_DONE();
}
