/*
 * harness.h: what most C tests need around the ABI: a logger from a
 * config, the lines of a capture sink, the metrics document, books that
 * balance, lines that are JSON, a scratch directory.
 */

#ifndef ASYNCLOG_TEST_HARNESS_H
#define ASYNCLOG_TEST_HARNESS_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* asynclog.h comes through check.h; including it again is harmless (the
 * test header_can_be_included_twice pins that). */
#include "check.h"
#include "json.h"

/* snprintf into an array, stopping the test if the text does not fit. */
#define FORMAT(array, ...)                                                    \
  REQUIRE(format_fits(snprintf((array), sizeof(array), __VA_ARGS__),          \
                      sizeof(array)))

static inline bool format_fits(int n, size_t size) {
  return n >= 0 && (size_t)n < size;
}

/* One capture sink named "cap", NDJSON, everything else default. */
#define CAPTURE_CONFIG "{\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"}]}"

/* Long enough for any flush in these tests, short enough to fail fast. */
#define FLUSH_TIMEOUT_MS 30000

/* A logger from a JSON config; stops the test if it is refused. */
static inline asynclog_logger *logger_from(const char *config) {
  asynclog_logger *logger = NULL;
  REQUIRE_STATUS(asynclog_logger_new(config, strlen(config), &logger),
                 ASYNCLOG_OK);
  REQUIRE(logger != NULL);
  return logger;
}

/* Flushes and checks that nothing is left pending. */
static inline void flush_all(const asynclog_logger *logger) {
  uint64_t pending = UINT64_MAX;
  CHECK_STATUS(asynclog_logger_flush(logger, FLUSH_TIMEOUT_MS, &pending),
               ASYNCLOG_OK);
  CHECK_U64(pending, 0);
}

/* Takes everything a capture sink holds, as a malloc'd string, using the
 * ask-for-the-size protocol. */
static inline char *capture_take(const asynclog_logger *logger,
                                 const char *sink) {
  for (;;) {
    size_t need = 0;
    int status = asynclog_logger_capture_take(logger, sink, strlen(sink), NULL,
                                              0, &need);
    REQUIRE(status == ASYNCLOG_OK || status == ASYNCLOG_ERR_BUFFER_TOO_SMALL);
    char *buf = malloc(need + 1);
    REQUIRE(buf != NULL);
    size_t len = 0;
    status = asynclog_logger_capture_take(logger, sink, strlen(sink), buf,
                                          need + 1, &len);
    if (status == ASYNCLOG_OK) {
      REQUIRE(len <= need && buf[len] == '\0');
      return buf;
    }
    /* More arrived between the two calls: ask again. */
    REQUIRE_STATUS(status, ASYNCLOG_ERR_BUFFER_TOO_SMALL);
    free(buf);
  }
}

/* The metrics document as a malloc'd string; stops the test if it is not
 * valid JSON. */
static inline char *metrics_of(const asynclog_logger *logger) {
  for (;;) {
    size_t need = 0;
    int status = asynclog_logger_metrics(logger, NULL, 0, &need);
    REQUIRE_STATUS(status, ASYNCLOG_ERR_BUFFER_TOO_SMALL);
    /* Counters may grow digits between the calls: leave room. */
    size_t size = need + 64;
    char *buf = malloc(size);
    REQUIRE(buf != NULL);
    size_t len = 0;
    status = asynclog_logger_metrics(logger, buf, size, &len);
    if (status == ASYNCLOG_OK) {
      json_error err = {0, NULL};
      if (!CHECK(json_valid(buf, len, &err))) {
        fprintf(stderr, "  at byte %zu: %s\n  in: %s\n", err.offset, err.what,
                buf);
        exit(1);
      }
      return buf;
    }
    free(buf);
  }
}

/* A counter of the metrics document; 0 (and a failed check) if absent. */
static inline uint64_t metric(const char *metrics, const char *path) {
  uint64_t value = 0;
  if (!CHECK(json_u64(metrics, strlen(metrics), path, &value))) {
    fprintf(stderr, "  no counter at \"%s\" in %s\n", path, metrics);
  }
  return value;
}

/* The sum of a "dropped" object: every reason. */
static inline uint64_t dropped_total(const char *metrics,
                                     const char *dropped_path) {
  static const char *const reasons[] = {
      "queue_full", "too_large",  "invalid",
      "closed",     "sink_error", "shutdown_timeout",
  };
  uint64_t total = 0;
  for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
    char path[128];
    FORMAT(path, "%s.%s", dropped_path, reasons[i]);
    total += metric(metrics, path);
  }
  return total;
}

/* The number of sinks in the metrics document. */
static inline size_t sink_count(const char *metrics) {
  size_t n = 0;
  for (;;) {
    char path[64];
    snprintf(path, sizeof path, "sinks[%zu]", n);
    if (!json_lookup(metrics, strlen(metrics), path, NULL, NULL)) {
      return n;
    }
    n++;
  }
}

/* The rule of the metrics: for each sink, submitted = written + filtered
 * + dropped (every reason) + in_flight; after a flush, in_flight = 0. */
static inline void check_books_balance(const char *metrics, bool after_flush) {
  uint64_t submitted = metric(metrics, "submitted");
  size_t sinks = sink_count(metrics);
  CHECK(sinks > 0);
  for (size_t i = 0; i < sinks; i++) {
    char path[64];
    snprintf(path, sizeof path, "sinks[%zu].written", i);
    uint64_t written = metric(metrics, path);
    snprintf(path, sizeof path, "sinks[%zu].filtered", i);
    uint64_t filtered = metric(metrics, path);
    snprintf(path, sizeof path, "sinks[%zu].in_flight", i);
    uint64_t in_flight = metric(metrics, path);
    snprintf(path, sizeof path, "sinks[%zu].dropped", i);
    uint64_t dropped = dropped_total(metrics, path);
    if (!CHECK_U64(written + filtered + dropped + in_flight, submitted)) {
      fprintf(stderr, "  sink %zu of %s\n", i, metrics);
    }
    if (after_flush && !CHECK_U64(in_flight, 0)) {
      fprintf(stderr, "  sink %zu of %s\n", i, metrics);
    }
  }
}

/* Walks the lines of `text`: returns the next line (without its '\n') in
 * *line and *len, or false at the end. */
static inline bool next_line(const char **cursor, const char **line,
                             size_t *len) {
  const char *p = *cursor;
  if (*p == '\0') {
    return false;
  }
  const char *nl = strchr(p, '\n');
  size_t n = nl ? (size_t)(nl - p) : strlen(p);
  *line = p;
  *len = n;
  *cursor = nl ? nl + 1 : p + n;
  return true;
}

/* Counts the lines of `text`, checking that each is one JSON object and
 * that the text ends with a newline. */
static inline size_t check_json_lines(const char *text) {
  const char *cursor = text;
  const char *line;
  size_t len;
  size_t count = 0;
  while (next_line(&cursor, &line, &len)) {
    json_error err = {0, NULL};
    count++;
    if (!CHECK(json_valid(line, len, &err) && len > 0 && line[0] == '{')) {
      fprintf(stderr, "  line %zu, byte %zu: %s\n  line: %.*s\n", count,
              err.offset, err.what ? err.what : "not an object", (int)len,
              line);
    }
  }
  size_t total = strlen(text);
  CHECK(total == 0 || text[total - 1] == '\n');
  return count;
}

/* True for an in-band notice, which the logger writes itself (logger
 * "asynclog", e.g. "events dropped") and which is not an event. */
static inline bool is_notice(const char *line, size_t len) {
  char *name = json_string(line, len, "logger", NULL);
  bool notice = name != NULL && strcmp(name, "asynclog") == 0;
  free(name);
  return notice;
}

/* As check_json_lines, but counts events only, not notices. */
static inline size_t check_event_lines(const char *text) {
  check_json_lines(text);
  const char *cursor = text;
  const char *line;
  size_t len;
  size_t events = 0;
  while (next_line(&cursor, &line, &len)) {
    events += !is_notice(line, len);
  }
  return events;
}

/* True when `text` holds a notice that names `reason`. */
static inline bool has_notice(const char *text, const char *reason) {
  const char *cursor = text;
  const char *line;
  size_t len;
  char key[64];
  snprintf(key, sizeof key, "reasons.%s", reason);
  while (next_line(&cursor, &line, &len)) {
    uint64_t n = 0;
    if (is_notice(line, len) && json_u64(line, len, key, &n) && n > 0) {
      return true;
    }
  }
  return false;
}

/* Drops are announced in the stream when the pressure ends, which may be
 * just after a flush: checks `taken` (what the test already took from
 * the capture), then waits up to two seconds for a notice naming
 * `reason`. */
static inline void check_drop_notice(const asynclog_logger *logger,
                                     const char *sink, const char *taken,
                                     const char *reason) {
  bool seen = has_notice(taken, reason);
  for (int i = 0; i < 200 && !seen; i++) {
    struct timespec ms10 = {0, 10 * 1000 * 1000};
    nanosleep(&ms10, NULL);
    char *more = capture_take(logger, sink);
    seen = has_notice(more, reason);
    free(more);
  }
  if (!CHECK(seen)) {
    fprintf(stderr, "  no \"events dropped\" notice for %s in sink %s\n",
            reason, sink);
  }
}

/* The decoded string at `path` of one JSON line, or NULL; free it. */
static inline char *line_string(const char *line, size_t len,
                                const char *path) {
  return json_string(line, len, path, NULL);
}

/* A fresh directory under $TMPDIR (or /tmp) in `buf`. */
static inline void make_temp_dir(char *buf, size_t size) {
  const char *base = getenv("TMPDIR");
  if (base == NULL || base[0] == '\0') {
    base = "/tmp";
  }
  REQUIRE(format_fits(snprintf(buf, size, "%s/asynclog-c-test-XXXXXX", base),
                      size));
  REQUIRE(mkdtemp(buf) != NULL);
}

/* Removes a directory made by make_temp_dir and the files in it. */
static inline void remove_temp_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
      continue;
    }
    char path[4096];
    FORMAT(path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

/* A whole file as a malloc'd NUL-terminated string, its size in *len. */
static inline char *read_whole_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  REQUIRE(f != NULL);
  REQUIRE(fseek(f, 0, SEEK_END) == 0);
  long size = ftell(f);
  REQUIRE(size >= 0);
  rewind(f);
  char *buf = malloc((size_t)size + 1);
  REQUIRE(buf != NULL);
  REQUIRE(fread(buf, 1, (size_t)size, f) == (size_t)size);
  buf[size] = '\0';
  fclose(f);
  if (len != NULL) {
    *len = (size_t)size;
  }
  return buf;
}

/* A positive number from the environment, or `fallback`. */
static inline unsigned long env_count(const char *name,
                                      unsigned long fallback) {
  const char *v = getenv(name);
  if (v == NULL || v[0] == '\0') {
    return fallback;
  }
  char *end;
  unsigned long n = strtoul(v, &end, 10);
  return (*end == '\0' && n > 0) ? n : fallback;
}

#endif /* ASYNCLOG_TEST_HARNESS_H */
