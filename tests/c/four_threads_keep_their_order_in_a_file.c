/*
 * Rule: events from one producer reach a sink in the order they were
 * logged, and under the default "block" policy none is lost. Four threads
 * log 250,000 events each (ASYNCLOG_TEST_EVENTS_PER_THREAD changes that)
 * to one file sink; once the logger is freed the file holds exactly one
 * valid JSON line per event, and each thread's sequence numbers appear
 * once each, in increasing order.
 */

#include <pthread.h>

#include "harness.h"

#define THREADS 4

static asynclog_logger *logger;
static unsigned long per_thread;

struct producer {
  uint64_t id;
  unsigned long failed;
};

static void *produce(void *arg) {
  struct producer *p = arg;
  for (unsigned long seq = 0; seq < per_thread; seq++) {
    asynclog_field fields[] = {
        asynclog_field_u64("thread", p->id),
        asynclog_field_u64("seq", seq),
    };
    if (asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "event", 5, fields, 2) !=
        ASYNCLOG_OK) {
      p->failed++;
    }
  }
  return NULL;
}

/* Reports the first few problems only: a broken run has a million. */
static unsigned long problems;
static void problem(size_t line_no, const char *what, const char *line,
                    size_t len) {
  if (problems++ < 5) {
    fprintf(stderr, "line %zu: %s: %.*s\n", line_no, what,
            (int)(len > 200 ? 200 : len), line);
  }
}

static void check_file(const char *path) {
  size_t size = 0;
  char *text = read_whole_file(path, &size);
  uint64_t next[THREADS] = {0};
  size_t lines = 0;
  const char *cursor = text;
  const char *line;
  size_t len;
  while (next_line(&cursor, &line, &len)) {
    lines++;
    json_error err = {0, NULL};
    if (!json_valid(line, len, &err)) {
      problem(lines, err.what, line, len);
      continue;
    }
    uint64_t thread = 0;
    uint64_t seq = 0;
    if (!json_u64(line, len, "thread", &thread) || thread >= THREADS ||
        !json_u64(line, len, "seq", &seq)) {
      problem(lines, "no thread or seq", line, len);
      continue;
    }
    /* Once each, in order: the next number is the one expected. */
    if (seq != next[thread]) {
      problem(lines, seq < next[thread] ? "repeated or reordered" : "gap",
              line, len);
    }
    next[thread] = seq + 1;
  }
  CHECK(size > 0 && text[size - 1] == '\n');
  CHECK_U64(lines, (uint64_t)THREADS * per_thread);
  for (int t = 0; t < THREADS; t++) {
    CHECK_U64(next[t], per_thread);
  }
  CHECK_U64(problems, 0);
  free(text);
}

int main(void) {
  per_thread = env_count("ASYNCLOG_TEST_EVENTS_PER_THREAD", 250000);
  char dir[4096];
  make_temp_dir(dir, sizeof dir);
  char path[4200];
  FORMAT(path, "%s/threads.log", dir);
  char config[8192];
  FORMAT(config, "{\"sinks\":[{\"type\":\"file\",\"path\":\"%s\"}]}", path);
  logger = logger_from(config);

  struct producer producers[THREADS];
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; t++) {
    producers[t].id = (uint64_t)t;
    producers[t].failed = 0;
    REQUIRE(pthread_create(&threads[t], NULL, produce, &producers[t]) == 0);
  }
  for (int t = 0; t < THREADS; t++) {
    REQUIRE(pthread_join(threads[t], NULL) == 0);
    CHECK_U64(producers[t].failed, 0);
  }

  flush_all(logger);
  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "submitted"), (uint64_t)THREADS * per_thread);
  CHECK_U64(metric(metrics, "sinks[0].written"),
            (uint64_t)THREADS * per_thread);
  check_books_balance(metrics, true);
  free(metrics);

  /* Free drains and closes the file; read it only then. */
  asynclog_logger_free(logger);
  check_file(path);

  remove_temp_dir(dir);
  return CHECK_DONE();
}
