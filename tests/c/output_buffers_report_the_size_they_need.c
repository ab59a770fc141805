/*
 * Rule: asynclog_last_error, asynclog_logger_metrics and
 * asynclog_logger_capture_take share one protocol. *len_out receives the
 * length without the NUL; a NULL buffer, or one without room for the text
 * and its NUL, gets ASYNCLOG_ERR_BUFFER_TOO_SMALL and is not written (and
 * capture_take takes nothing); with len + 1 bytes the call succeeds and
 * NUL-terminates. The last error belongs to the calling thread.
 */

#include <pthread.h>

#include "harness.h"

/* Fills a buffer with '#' so that any write shows. */
static void fill(char *buf, size_t size) { memset(buf, '#', size); }

static int untouched(const char *buf, size_t size) {
  for (size_t i = 0; i < size; i++) {
    if (buf[i] != '#') {
      return 0;
    }
  }
  return 1;
}

static void last_error(void) {
  /* Leave a known error. */
  CHECK_STATUS(asynclog_context_pop(424242), ASYNCLOG_ERR_INVALID_ARGUMENT);

  size_t need = 0;
  CHECK_STATUS(asynclog_last_error(NULL, 0, &need),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  REQUIRE(need > 0 && need < 1000);

  char buf[1024];
  size_t len = 0;
  fill(buf, sizeof buf);
  /* Room for the text but not its NUL: too small. */
  CHECK_STATUS(asynclog_last_error(buf, need, &len),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  CHECK_U64(len, need);
  CHECK(untouched(buf, sizeof buf));

  CHECK_STATUS(asynclog_last_error(buf, need + 1, &len), ASYNCLOG_OK);
  CHECK_U64(len, need);
  CHECK_U64(strlen(buf), need);
  CHECK(buf[need + 1] == '#');
  CHECK_CONTAINS(buf, "424242");
}

/* A new thread has no error of its own yet, and its errors stay its
 * own. */
static void *other_thread(void *unused) {
  (void)unused;
  char buf[256];
  size_t len = 99;
  CHECK_STATUS(asynclog_last_error(buf, sizeof buf, &len), ASYNCLOG_OK);
  CHECK_U64(len, 0);
  CHECK_STR(buf, "");
  /* An empty message still needs room for its NUL. */
  CHECK_STATUS(asynclog_last_error(buf, 0, &len),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  CHECK_STATUS(asynclog_last_error(buf, 1, &len), ASYNCLOG_OK);

  CHECK_STATUS(asynclog_context_pop(777), ASYNCLOG_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(check_last_error(), "777");
  return NULL;
}

static void per_thread(void) {
  pthread_t t;
  REQUIRE(pthread_create(&t, NULL, other_thread, NULL) == 0);
  REQUIRE(pthread_join(t, NULL) == 0);
  /* This thread's error is still its own. */
  CHECK_CONTAINS(check_last_error(), "424242");
}

static void metrics(const asynclog_logger *logger) {
  size_t need = 0;
  CHECK_STATUS(asynclog_logger_metrics(logger, NULL, 0, &need),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  REQUIRE(need > 0 && need < 60000);

  static char buf[65536];
  size_t len = 0;
  fill(buf, sizeof buf);
  CHECK_STATUS(asynclog_logger_metrics(logger, buf, need, &len),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  CHECK_U64(len, need);
  CHECK(untouched(buf, sizeof buf));

  CHECK_STATUS(asynclog_logger_metrics(logger, buf, need + 1, &len),
               ASYNCLOG_OK);
  CHECK_U64(len, need);
  CHECK_U64(strlen(buf), need);
  CHECK(json_valid(buf, len, NULL));
}

static void capture(const asynclog_logger *logger) {
  for (int i = 0; i < 3; i++) {
    CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "line", 4, NULL, 0),
                 ASYNCLOG_OK);
  }
  flush_all(logger);

  size_t need = 0;
  CHECK_STATUS(asynclog_logger_capture_take(logger, "cap", 3, NULL, 0, &need),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  REQUIRE(need > 0 && need < 60000);

  static char buf[65536];
  size_t len = 0;
  fill(buf, sizeof buf);
  CHECK_STATUS(asynclog_logger_capture_take(logger, "cap", 3, buf, need, &len),
               ASYNCLOG_ERR_BUFFER_TOO_SMALL);
  CHECK_U64(len, need);
  CHECK(untouched(buf, sizeof buf));

  /* Nothing was taken: all three lines are still there. */
  CHECK_STATUS(
      asynclog_logger_capture_take(logger, "cap", 3, buf, need + 1, &len),
      ASYNCLOG_OK);
  CHECK_U64(len, need);
  CHECK_U64(strlen(buf), need);
  CHECK_U64(check_json_lines(buf), 3);

  /* Now they are gone: an empty capture is "" and needs one byte. */
  CHECK_STATUS(asynclog_logger_capture_take(logger, "cap", 3, buf, 1, &len),
               ASYNCLOG_OK);
  CHECK_U64(len, 0);
  CHECK_STR(buf, "");

  /* No capture sink of that name, or a sink that is no capture. */
  CHECK_STATUS(
      asynclog_logger_capture_take(logger, "nope", 4, buf, sizeof buf, &len),
      ASYNCLOG_ERR_NO_SUCH_SINK);
  CHECK_CONTAINS(check_last_error(), "nope");
  CHECK_STATUS(
      asynclog_logger_capture_take(logger, "stderr", 6, buf, sizeof buf, &len),
      ASYNCLOG_ERR_NO_SUCH_SINK);
  CHECK_CONTAINS(check_last_error(), "stderr");
  /* The name is (pointer, length): "cap" is not "capx". */
  CHECK_STATUS(
      asynclog_logger_capture_take(logger, "capx", 4, buf, sizeof buf, &len),
      ASYNCLOG_ERR_NO_SUCH_SINK);
  CHECK_STATUS(
      asynclog_logger_capture_take(logger, "capx", 3, buf, sizeof buf, &len),
      ASYNCLOG_OK);
}

int main(void) {
  asynclog_logger *logger =
      logger_from("{\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"},"
                  "{\"type\":\"stderr\",\"level\":\"fatal\"}]}");
  last_error();
  per_thread();
  metrics(logger);
  capture(logger);
  asynclog_logger_free(logger);
  return CHECK_DONE();
}
