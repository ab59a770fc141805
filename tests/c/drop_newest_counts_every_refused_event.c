/*
 * Rule: with a full queue under "drop_newest", asynclog_log returns
 * ASYNCLOG_ERR_QUEUE_FULL for the event it refuses, and the metrics'
 * dropped.queue_full equals the number of those returns exactly. After a
 * flush every event is accounted for: written + dropped = submitted for
 * the sink, and the capture holds exactly the accepted events (plus the
 * in-band notices that say how many were dropped). AUDIT events follow
 * audit_policy (block by default) and are never dropped, under
 * "drop_newest" and under "drop_oldest", whose evictions are counted as
 * queue_full too.
 */

#include <pthread.h>

#include "harness.h"

#define EVENTS 50000
#define THREADS 2

static asynclog_logger *logger;

struct tally {
  unsigned long ok;
  unsigned long queue_full;
  unsigned long other;
  unsigned long audit_ok;
};

static void *produce(void *arg) {
  struct tally *t = arg;
  for (int i = 0; i < EVENTS; i++) {
    /* Every hundredth event is an AUDIT one. */
    int audit = i % 100 == 0;
    asynclog_field f = asynclog_field_i64("i", i);
    int status = asynclog_log(
        logger, audit ? ASYNCLOG_LEVEL_AUDIT : ASYNCLOG_LEVEL_INFO,
        audit ? "audit" : "event", 5, &f, 1);
    if (status == ASYNCLOG_OK) {
      t->ok++;
      t->audit_ok += audit;
    } else if (status == ASYNCLOG_ERR_QUEUE_FULL) {
      t->queue_full++;
    } else {
      t->other++;
    }
  }
  return NULL;
}

/* Counts the capture's events, and its AUDIT events; notices are not
 * events. */
static void count_lines(const char *text, unsigned long *events,
                        unsigned long *audits) {
  const char *cursor = text;
  const char *line;
  size_t len;
  *events = *audits = 0;
  while (next_line(&cursor, &line, &len)) {
    if (is_notice(line, len)) {
      continue;
    }
    char *level = json_string(line, len, "level", NULL);
    (*events)++;
    *audits += level != NULL && strcmp(level, "AUDIT") == 0;
    free(level);
  }
}

static void drop_newest(void) {
  logger =
      logger_from("{\"queue\":{\"capacity\":8,\"policy\":\"drop_newest\"},"
                  "\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"}]}");

  struct tally tally[THREADS];
  pthread_t threads[THREADS];
  memset(tally, 0, sizeof tally);
  for (int i = 0; i < THREADS; i++) {
    REQUIRE(pthread_create(&threads[i], NULL, produce, &tally[i]) == 0);
  }
  struct tally sum = {0, 0, 0, 0};
  for (int i = 0; i < THREADS; i++) {
    REQUIRE(pthread_join(threads[i], NULL) == 0);
    sum.ok += tally[i].ok;
    sum.queue_full += tally[i].queue_full;
    sum.other += tally[i].other;
    sum.audit_ok += tally[i].audit_ok;
  }
  CHECK_U64(sum.other, 0);
  CHECK_U64(sum.ok + sum.queue_full, (unsigned long)EVENTS * THREADS);
  /* A queue of 8 against two producers: some must be refused. */
  CHECK(sum.queue_full > 0);
  /* Audit events wait for room instead. */
  CHECK_U64(sum.audit_ok, THREADS * (EVENTS / 100));

  flush_all(logger);
  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "submitted"), (unsigned long)EVENTS * THREADS);
  CHECK_U64(metric(metrics, "dropped.queue_full"), sum.queue_full);
  CHECK_U64(metric(metrics, "sinks[0].dropped.queue_full"), sum.queue_full);
  CHECK_U64(metric(metrics, "sinks[0].written"), sum.ok);
  CHECK_U64(metric(metrics, "sinks[0].written") +
                dropped_total(metrics, "sinks[0].dropped"),
            metric(metrics, "submitted"));
  check_books_balance(metrics, true);
  free(metrics);

  char *text = capture_take(logger, "cap");
  check_json_lines(text);
  unsigned long events, audits;
  count_lines(text, &events, &audits);
  CHECK_U64(events, sum.ok);
  CHECK_U64(audits, THREADS * (EVENTS / 100));
  /* The drops were announced in the stream. */
  check_drop_notice(logger, "cap", text, "queue_full");
  free(text);
  asynclog_logger_free(logger);
}

static void drop_oldest(void) {
  logger =
      logger_from("{\"queue\":{\"capacity\":8,\"policy\":\"drop_oldest\"},"
                  "\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"}]}");
  struct tally t = {0, 0, 0, 0};
  produce(&t);
  /* The newest gets in by evicting the oldest; only when the oldest slot
   * is still being written is it refused instead. */
  CHECK_U64(t.other, 0);
  CHECK_U64(t.ok + t.queue_full, EVENTS);

  flush_all(logger);
  char *metrics = metrics_of(logger);
  uint64_t written = metric(metrics, "sinks[0].written");
  uint64_t dropped = metric(metrics, "dropped.queue_full");
  /* Refused and evicted events are both counted as queue_full. */
  CHECK(dropped >= t.queue_full);
  CHECK_U64(written + dropped, EVENTS);
  check_books_balance(metrics, true);
  free(metrics);

  char *text = capture_take(logger, "cap");
  check_json_lines(text);
  unsigned long events, audits;
  count_lines(text, &events, &audits);
  CHECK_U64(events, written);
  /* AUDIT events follow audit_policy (block): a queued one is never the
   * oldest record evicted to make room. */
  CHECK_U64(audits, EVENTS / 100);
  free(text);
  asynclog_logger_free(logger);
}

int main(void) {
  drop_newest();
  drop_oldest();
  return CHECK_DONE();
}
