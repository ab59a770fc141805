/*
 * bench_c_abi.c: the C ABI of asynclog alone, from a real C program.
 *
 * The workload is the one benches/compare uses: INFO "request handled"
 * with user_id (counting up), path "/api/v1/items" and latency_ms
 * (12.5 + user_id % 7), as NDJSON to a file, with each thread logging its
 * own run of user ids. For each thread count it reports end-to-end
 * events/s (first call until asynclog_logger_shutdown has written
 * everything and the handle is freed), the latency of one call in 64
 * (clock_gettime(CLOCK_MONOTONIC) around the call), peak RSS, and what
 * reading the file back found: lines, and events lost or out of order.
 *
 * Each thread count runs in a child process, so peak RSS is per run.
 *
 *   usage: bench_c_abi [--events N] [--threads 1,2] [--dir DIR]
 *
 * Build (benches/run.sh does this):
 *   cc -O2 -std=c11 -Wall -Wextra -Werror -Iinclude benches/c/bench_c_abi.c \
 *      -Ltarget/release -lasynclog -lpthread -Wl,-rpath,$PWD/target/release
 */

#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "asynclog.h"

#define SAMPLE_EVERY 64
#define MAX_THREADS 64

static const char MESSAGE[] = "request handled";
static const char PATH[] = "/api/v1/items";

struct producer {
  const asynclog_logger *logger;
  pthread_barrier_t *barrier;
  uint64_t first, end; /* this thread's user ids: [first, end) */
  uint64_t seed;        /* of the timed calls' positions */
  uint32_t *samples;
  size_t nsamples;
  uint64_t refused;
};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double latency_ms(uint64_t user_id) { return 12.5 + (double)(user_id % 7); }

/* floor(events * t / threads), without overflow: with events = q * threads
 * + r, that is q * t + floor(r * t / threads). */
static uint64_t range_start(uint64_t events, int threads, int t) {
  uint64_t n = (uint64_t)threads, k = (uint64_t)t;
  return events / n * k + events % n * k / n;
}

/* One event, as a C caller writes it: fields on the stack, one call. */
static inline asynclog_status log_one(const asynclog_logger *logger, uint64_t id) {
  asynclog_field fields[3];
  fields[0] = asynclog_field_i64("user_id", (int64_t)id);
  fields[1] = asynclog_field_strn("path", PATH, sizeof PATH - 1);
  fields[2] = asynclog_field_f64("latency_ms", latency_ms(id));
  return asynclog_log(logger, ASYNCLOG_LEVEL_INFO, MESSAGE, sizeof MESSAGE - 1, fields,
                      ASYNCLOG_COUNT(fields));
}

/* The calls from one timed call to the next: drawn evenly from
 * SAMPLE_EVERY / 2 + 1 to SAMPLE_EVERY * 3 / 2 - 1 (xorshift64*, fixed seed
 * per thread), so one call in SAMPLE_EVERY is timed on average, but never
 * always the same call of a power-of-two period of the queue. */
static uint64_t next_gap(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  uint64_t r = (x * 0x2545F4914F6CDD1Dull) >> 32;
  return SAMPLE_EVERY / 2 + 1 + r % (SAMPLE_EVERY - 1);
}

static void *produce(void *arg) {
  struct producer *p = arg;
  uint64_t rng = (p->seed * 0x9E3779B97F4A7C15ull) | 1;
  uint64_t timed = p->first + next_gap(&rng) - 1;
  pthread_barrier_wait(p->barrier);
  for (uint64_t id = p->first; id < p->end; id++) {
    asynclog_status st;
    if (id == timed) {
      uint64_t t0 = now_ns();
      st = log_one(p->logger, id);
      uint64_t dt = now_ns() - t0;
      p->samples[p->nsamples++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
      timed = id + next_gap(&rng);
    } else {
      st = log_one(p->logger, id);
    }
    if (st != ASYNCLOG_OK) p->refused++;
  }
  return NULL;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static uint32_t percentile(const uint32_t *v, size_t n, double q) {
  if (n == 0) return 0;
  size_t rank = (size_t)(q * (double)n + 0.999999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return v[rank - 1];
}

struct file_check {
  uint64_t lines, bytes, verified, lost, duplicates, out_of_order, malformed;
};

/* Reads the file back: every line must carry a user_id of the plan, once,
 * in order within its thread's run. */
static int check_file(const char *path, uint64_t events, int threads, struct file_check *c) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  uint64_t *seen = calloc(events / 64 + 1, sizeof *seen);
  uint64_t next[MAX_THREADS];
  for (int t = 0; t < threads; t++) next[t] = range_start(events, threads, t);
  memset(c, 0, sizeof *c);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) {
    c->lines++;
    c->bytes += (uint64_t)n;
    const char *k = strstr(line, "\"user_id\":");
    char *endp = NULL;
    uint64_t id = k ? strtoull(k + 10, &endp, 10) : 0;
    if (n < 2 || !k || endp == k + 10 || id >= events || line[0] != '{' ||
        line[n - 2] != '}') {
      c->malformed++;
      continue;
    }
    if (seen[id / 64] & (1ull << (id % 64))) {
      c->duplicates++;
      continue;
    }
    seen[id / 64] |= 1ull << (id % 64);
    c->verified++;
    int t = threads - 1;
    while (t > 0 && id < range_start(events, threads, t)) t--;
    if (id != next[t]) c->out_of_order++;
    next[t] = id + 1;
  }
  free(line);
  free(seen);
  fclose(f);
  c->lost = events - c->verified;
  return 0;
}

/* One run, in the calling (child) process. Prints one table row. */
static int run(uint64_t events, int threads, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/bench_c_abi-%d-t%d.log", dir, (int)getpid(), threads);
  char config[8192];
  int len = snprintf(config, sizeof config,
                     "{\"name\":\"app\",\"sinks\":[{\"type\":\"file\",\"path\":\"%s\"}]}", path);

  asynclog_logger *logger = NULL;
  asynclog_status st = asynclog_logger_new(config, (size_t)len, &logger);
  if (st != ASYNCLOG_OK) {
    char msg[1024];
    asynclog_last_error(msg, sizeof msg, NULL);
    fprintf(stderr, "bench_c_abi: asynclog_logger_new: %s: %s\n", asynclog_status_str(st), msg);
    return 1;
  }

  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, (unsigned)threads + 1);
  struct producer p[MAX_THREADS];
  pthread_t tid[MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    p[t].logger = logger;
    p[t].barrier = &barrier;
    p[t].first = range_start(events, threads, t);
    p[t].end = range_start(events, threads, t + 1);
    p[t].samples = malloc(((p[t].end - p[t].first) / (SAMPLE_EVERY / 2 + 1) + 2) * sizeof(uint32_t));
    p[t].nsamples = 0;
    p[t].seed = (uint64_t)t + 1;
    p[t].refused = 0;
    if (pthread_create(&tid[t], NULL, produce, &p[t]) != 0) {
      fprintf(stderr, "bench_c_abi: pthread_create failed\n");
      return 1;
    }
  }
  pthread_barrier_wait(&barrier);
  uint64_t start = now_ns();
  for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
  uint64_t pending = 0;
  asynclog_status shut = asynclog_logger_shutdown(logger, 300000, &pending);
  asynclog_logger_free(logger);
  uint64_t end = now_ns();

  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);

  size_t total = 0;
  uint64_t refused = 0;
  for (int t = 0; t < threads; t++) {
    total += p[t].nsamples;
    refused += p[t].refused;
  }
  uint32_t *all = malloc((total + 1) * sizeof *all);
  size_t at = 0;
  for (int t = 0; t < threads; t++) {
    memcpy(all + at, p[t].samples, p[t].nsamples * sizeof *all);
    at += p[t].nsamples;
    free(p[t].samples);
  }
  qsort(all, total, sizeof *all, cmp_u32);

  struct file_check c;
  if (check_file(path, events, threads, &c) != 0) {
    fprintf(stderr, "bench_c_abi: reading %s: %s\n", path, strerror(errno));
    return 1;
  }
  unlink(path);

  double secs = (double)(end - start) / 1e9;
  printf("| %7d | %12.0f | %6" PRIu32 " | %6" PRIu32 " | %8" PRIu32 " | %10" PRIu32
         " | %12.1f | %10.1f | %9" PRIu64 " / %" PRIu64 " |%s%s\n",
         threads, (double)events / secs, percentile(all, total, 0.5),
         percentile(all, total, 0.99), percentile(all, total, 0.999),
         total ? all[total - 1] : 0, (double)ru.ru_maxrss / 1024.0,
         c.lines ? (double)c.bytes / (double)c.lines : 0.0, c.verified, c.lost,
         shut == ASYNCLOG_OK ? "" : " shutdown timed out", refused ? " calls refused" : "");
  if (c.duplicates || c.out_of_order || c.malformed)
    printf("  warning: %" PRIu64 " duplicate, %" PRIu64 " out of order, %" PRIu64
           " malformed lines\n",
           c.duplicates, c.out_of_order, c.malformed);
  fflush(stdout);
  free(all);
  return c.lost == 0 && refused == 0 ? 0 : 1;
}

static void usage(void) {
  fprintf(stderr, "usage: bench_c_abi [--events N] [--threads 1,2] [--dir DIR]\n");
}

int main(int argc, char **argv) {
  uint64_t events = 5000000;
  const char *thread_list = "1,2";
  const char *dir = "/tmp";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
      events = strtoull(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      thread_list = argv[++i];
    } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else {
      usage();
      return 2;
    }
  }
  if (events == 0) {
    usage();
    return 2;
  }

  printf("asynclog %s C ABI: %" PRIu64 " events per run; one call in %d (on average, at drawn positions) timed with "
         "clock_gettime(CLOCK_MONOTONIC)\n\n",
         asynclog_version(), events, SAMPLE_EVERY);
  printf("| threads |     events/s | p50 ns | p99 ns | p99.9 ns |     max ns | peak RSS MiB "
         "| bytes/line | verified / lost |\n");
  printf("| ------- | -----------: | -----: | -----: | -------: | ---------: | -----------: "
         "| ---------: | --------------: |\n");
  fflush(stdout);

  int failed = 0;
  char list[256];
  snprintf(list, sizeof list, "%s", thread_list);
  for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
    int threads = atoi(tok);
    if (threads < 1 || threads > MAX_THREADS) {
      fprintf(stderr, "bench_c_abi: thread count %s is not between 1 and %d\n", tok,
              MAX_THREADS);
      return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
      perror("bench_c_abi: fork");
      return 1;
    }
    if (pid == 0) _exit(run(events, threads, dir));
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
  }
  return failed;
}
