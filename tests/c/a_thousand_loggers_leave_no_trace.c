/*
 * Rule: freeing a logger releases everything it took: its threads, its
 * file descriptors, its memory. Creating and freeing 1,000 loggers
 * (ASYNCLOG_TEST_LOGGERS changes that), some with file sinks and
 * children, leaves the process with the descriptors and threads it had
 * before; run under LeakSanitizer, no memory either.
 */

#include <time.h>

#include "harness.h"

/* Entries of a /proc/self directory, without . and .. */
static size_t entries(const char *dir) {
  DIR *d = opendir(dir);
  REQUIRE(d != NULL);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    n += e->d_name[0] != '.';
  }
  closedir(d);
  /* Less the descriptor opendir itself held. */
  return strcmp(dir, "/proc/self/fd") == 0 ? n - 1 : n;
}

/* Counts can trail a free by a moment while the kernel reaps a thread:
 * wait up to a second for them to come back. */
static size_t settled(const char *dir, size_t baseline) {
  size_t n = entries(dir);
  for (int i = 0; i < 100 && n != baseline; i++) {
    struct timespec ms10 = {0, 10 * 1000 * 1000};
    nanosleep(&ms10, NULL);
    n = entries(dir);
  }
  return n;
}

int main(void) {
  unsigned long count = env_count("ASYNCLOG_TEST_LOGGERS", 1000);
  char dir[4096];
  make_temp_dir(dir, sizeof dir);
  char file_config[8192];
  FORMAT(file_config,
         "{\"sinks\":[{\"type\":\"capture\",\"name\":\"cap\"},"
         "{\"type\":\"file\",\"path\":\"%s/many.log\"}]}",
         dir);

  size_t fds = entries("/proc/self/fd");
  size_t threads = entries("/proc/self/task");

  unsigned long lines = 0;
  for (unsigned long i = 0; i < count; i++) {
    int with_file = i % 10 == 0;
    asynclog_logger *logger =
        logger_from(with_file ? file_config : CAPTURE_CONFIG);
    asynclog_field f = asynclog_field_u64("i", i);
    CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "once", 4, &f, 1),
                 ASYNCLOG_OK);
    lines += with_file;
    if (i % 3 == 0) {
      /* A child outliving its parent keeps the logger until it goes. */
      asynclog_logger *child = NULL;
      CHECK_STATUS(asynclog_logger_with(logger, "c", 1, &f, 1, &child),
                   ASYNCLOG_OK);
      asynclog_logger_free(logger);
      logger = child;
      CHECK_STATUS(
          asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "child", 5, NULL, 0),
          ASYNCLOG_OK);
      lines += with_file;
    }
    asynclog_logger_free(logger);
  }

  CHECK_U64(settled("/proc/self/fd", fds), fds);
  CHECK_U64(settled("/proc/self/task", threads), threads);

  /* Every freed logger drained first: each line reached the file. */
  char path[4200];
  FORMAT(path, "%s/many.log", dir);
  char *text = read_whole_file(path, NULL);
  CHECK_U64(check_json_lines(text), lines);
  free(text);

  remove_temp_dir(dir);
  return CHECK_DONE();
}
