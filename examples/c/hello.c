/* Logs from four threads through the default pipeline (NDJSON to stdout),
 * with a correlation id in context, a child logger with bound fields,
 * and the metrics that account for every event.
 *
 *   cc hello.c $(pkg-config --cflags --libs asynclog) -lpthread -o hello
 */
#include <asynclog.h>
#include <pthread.h>
#include <stdio.h>

static void *work(void *arg) {
  const asynclog_logger *log = arg;
  asynclog_field scope[] = {asynclog_field_str("correlation_id", "req-42")};
  size_t token;
  asynclog_context_push(scope, ASYNCLOG_COUNT(scope), &token);
  for (int64_t i = 0; i < 3; i++) {
    asynclog_field fields[] = {
        asynclog_field_i64("user_id", i),
        asynclog_field_str("path", "/api/v1/items"),
        asynclog_field_f64("latency_ms", 12.5 + (double)i),
    };
    const char msg[] = "request handled";
    asynclog_log(log, ASYNCLOG_LEVEL_INFO, msg, sizeof msg - 1, fields,
                 ASYNCLOG_COUNT(fields));
  }
  asynclog_context_pop(token);
  return NULL;
}

int main(void) {
  asynclog_logger *log = NULL;
  if (asynclog_logger_new(NULL, 0, &log) != ASYNCLOG_OK) {
    char err[256];
    asynclog_last_error(err, sizeof err, NULL);
    fprintf(stderr, "asynclog: %s\n", err);
    return 1;
  }

  asynclog_field bound[] = {asynclog_field_str("service", "checkout")};
  asynclog_logger *http = NULL;
  asynclog_logger_with(log, "http", 4, bound, ASYNCLOG_COUNT(bound), &http);

  pthread_t threads[4];
  for (int t = 0; t < 4; t++)
    pthread_create(&threads[t], NULL, work, http);
  for (int t = 0; t < 4; t++)
    pthread_join(threads[t], NULL);

  uint64_t pending = 0;
  asynclog_logger_flush(log, 5000, &pending);
  char metrics[4096];
  asynclog_logger_metrics(log, metrics, sizeof metrics, NULL);
  fprintf(stderr, "pending %llu, metrics %s\n", (unsigned long long)pending,
          metrics);

  asynclog_logger_free(http);
  asynclog_logger_free(log); /* the last handle drains */
  return 0;
}
