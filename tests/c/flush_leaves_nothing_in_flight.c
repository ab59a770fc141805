/*
 * Rule: asynclog_logger_flush returns ASYNCLOG_OK with pending = 0 only
 * once every event logged before it has been written by every sink (the
 * lines are in the file and in the capture when it returns), without
 * waiting for a batch's max_delay. The books then balance for every sink
 * (submitted = written + filtered + dropped + in_flight) with in_flight
 * and queued at 0. A flush that runs out of time returns
 * ASYNCLOG_ERR_TIMEOUT with the number of events not yet written.
 */

#include <time.h>

#include "harness.h"

#define ROUNDS 8
#define PER_ROUND 2500

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t lines_in(const char *path) {
  char *text = read_whole_file(path, NULL);
  size_t n = 0;
  for (const char *p = text; *p; p++) {
    n += *p == '\n';
  }
  free(text);
  return n;
}

int main(void) {
  char dir[4096];
  make_temp_dir(dir, sizeof dir);
  char path[4200];
  FORMAT(path, "%s/flush.log", dir);

  /* Batches that would wait ten seconds if flush did not push them. */
  char config[8192];
  FORMAT(config,
         "{\"level\":\"debug\","
         "\"batch\":{\"max_events\":100000,\"max_delay_ms\":10000},"
         "\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"},"
         "{\"type\":\"file\",\"path\":\"%s\",\"level\":\"info\"}]}",
         path);
  asynclog_logger *logger = logger_from(config);

  /* Nothing logged: a flush with no time at all succeeds. */
  uint64_t pending = 99;
  CHECK_STATUS(asynclog_logger_flush(logger, 0, &pending), ASYNCLOG_OK);
  CHECK_U64(pending, 0);

  uint64_t total = 0;
  uint64_t to_file = 0;
  for (int round = 0; round < ROUNDS; round++) {
    for (int i = 0; i < PER_ROUND; i++) {
      /* One in four at TRACE (filtered by the logger), one in four at
       * DEBUG (filtered by the file sink). */
      asynclog_level level = (asynclog_level)(i % 4);
      asynclog_field f = asynclog_field_i64("i", i);
      CHECK_STATUS(asynclog_log(logger, level, "event", 5, &f, 1),
                   ASYNCLOG_OK);
      total++;
      to_file += level >= ASYNCLOG_LEVEL_INFO;
    }

    double start = now_seconds();
    pending = 99;
    CHECK_STATUS(asynclog_logger_flush(logger, FLUSH_TIMEOUT_MS, &pending),
                 ASYNCLOG_OK);
    CHECK_U64(pending, 0);
    double took = now_seconds() - start;
    if (!CHECK(took < 5.0)) {
      fprintf(stderr, "  flush took %.3f s\n", took);
    }

    /* Written means written: every line is already in the file. */
    CHECK_U64(lines_in(path), to_file);

    char *metrics = metrics_of(logger);
    CHECK_U64(metric(metrics, "submitted"), total);
    CHECK_U64(metric(metrics, "queued"), 0);
    CHECK_U64(metric(metrics, "filtered"), total / 4);
    CHECK_U64(metric(metrics, "sinks[0].written"), total - total / 4);
    CHECK_U64(metric(metrics, "sinks[1].written"), to_file);
    CHECK_U64(metric(metrics, "sinks[1].filtered"), total - to_file);
    check_books_balance(metrics, true);
    free(metrics);
  }

  char *text = capture_take(logger, "cap");
  CHECK_U64(check_json_lines(text), total - total / 4);
  free(text);

  /* A flush that runs out of time says so, and how many are left. */
  int timed_out = 0;
  for (int round = 0; round < 10 && !timed_out; round++) {
    for (int i = 0; i < 20000; i++) {
      CHECK_STATUS(
          asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "burst", 5, NULL, 0),
          ASYNCLOG_OK);
    }
    pending = 0;
    int status = asynclog_logger_flush(logger, 0, &pending);
    if (status == ASYNCLOG_ERR_TIMEOUT) {
      timed_out = 1;
      CHECK(pending > 0);
      char count[32];
      FORMAT(count, "%llu", (unsigned long long)pending);
      CHECK_CONTAINS(check_last_error(), count);
    } else {
      CHECK_STATUS(status, ASYNCLOG_OK);
      CHECK_U64(pending, 0);
    }
  }
  CHECK(timed_out);
  flush_all(logger);
  char *metrics = metrics_of(logger);
  check_books_balance(metrics, true);
  free(metrics);

  asynclog_logger_free(logger);
  remove_temp_dir(dir);
  return CHECK_DONE();
}
