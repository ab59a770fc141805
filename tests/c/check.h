/*
 * check.h: assertions for the C tests that show both sides on failure.
 *
 *   CHECK(cond)                     a condition
 *   CHECK_INT(actual, expected)     signed integers
 *   CHECK_U64(actual, expected)     unsigned integers (sizes, counters)
 *   CHECK_STR(actual, expected)     NUL-terminated strings
 *   CHECK_CONTAINS(text, needle)    a substring
 *   CHECK_STATUS(call, expected)    an asynclog_status, by name, with
 *                                   this thread's last error
 *   REQUIRE / REQUIRE_STATUS        the same, but stop the test
 *   return CHECK_DONE();            at the end of main
 *
 * A failed CHECK prints the file, the line, the expression and both
 * values, and the test goes on; CHECK_DONE() then returns 1.
 */

#ifndef ASYNCLOG_TEST_CHECK_H
#define ASYNCLOG_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asynclog.h"

static inline unsigned long *check__counts(void) {
  /* [0]: checks run, [1]: checks failed. */
  static unsigned long counts[2];
  return counts;
}

static inline int check__record(int ok, const char *file, int line,
                                const char *expr) {
  check__counts()[0]++;
  if (!ok) {
    check__counts()[1]++;
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, expr);
  }
  return ok;
}

/* The enumerator's name for a status, for failure messages. */
static inline const char *check_status_name(int status) {
  switch (status) {
  case ASYNCLOG_OK:
    return "ASYNCLOG_OK";
  case ASYNCLOG_ERR_NULL:
    return "ASYNCLOG_ERR_NULL";
  case ASYNCLOG_ERR_INVALID_ARGUMENT:
    return "ASYNCLOG_ERR_INVALID_ARGUMENT";
  case ASYNCLOG_ERR_BUFFER_TOO_SMALL:
    return "ASYNCLOG_ERR_BUFFER_TOO_SMALL";
  case ASYNCLOG_ERR_INVALID_RECORD:
    return "ASYNCLOG_ERR_INVALID_RECORD";
  case ASYNCLOG_ERR_CONFIG:
    return "ASYNCLOG_ERR_CONFIG";
  case ASYNCLOG_ERR_IO:
    return "ASYNCLOG_ERR_IO";
  case ASYNCLOG_ERR_QUEUE_FULL:
    return "ASYNCLOG_ERR_QUEUE_FULL";
  case ASYNCLOG_ERR_TOO_LARGE:
    return "ASYNCLOG_ERR_TOO_LARGE";
  case ASYNCLOG_ERR_CLOSED:
    return "ASYNCLOG_ERR_CLOSED";
  case ASYNCLOG_ERR_TIMEOUT:
    return "ASYNCLOG_ERR_TIMEOUT";
  case ASYNCLOG_ERR_NO_SUCH_SINK:
    return "ASYNCLOG_ERR_NO_SUCH_SINK";
  case ASYNCLOG_ERR_PANIC:
    return "ASYNCLOG_ERR_PANIC";
  default:
    return "(not an asynclog_status)";
  }
}

/* This thread's last error message, in a buffer of this thread's. */
static inline const char *check_last_error(void) {
  static _Thread_local char text[4096];
  size_t len = 0;
  if (asynclog_last_error(text, sizeof text, &len) != ASYNCLOG_OK) {
    snprintf(text, sizeof text, "(%zu bytes, too long to show)", len);
  }
  return text;
}

static inline int check__status(int actual, int expected, const char *file,
                                int line, const char *expr) {
  int ok = check__record(actual == expected, file, line, expr);
  if (!ok) {
    fprintf(stderr,
            "  actual:   %d %s\n  expected: %d %s\n  last error: \"%s\"\n",
            actual, check_status_name(actual), expected,
            check_status_name(expected), check_last_error());
  }
  return ok;
}

static inline int check__int(long long actual, long long expected,
                             const char *file, int line, const char *expr) {
  int ok = check__record(actual == expected, file, line, expr);
  if (!ok) {
    fprintf(stderr, "  actual:   %lld\n  expected: %lld\n", actual, expected);
  }
  return ok;
}

static inline int check__u64(unsigned long long actual,
                             unsigned long long expected, const char *file,
                             int line, const char *expr) {
  int ok = check__record(actual == expected, file, line, expr);
  if (!ok) {
    fprintf(stderr, "  actual:   %llu\n  expected: %llu\n", actual, expected);
  }
  return ok;
}

static inline int check__str(const char *actual, const char *expected,
                             const char *file, int line, const char *expr) {
  int same =
      actual != NULL && expected != NULL && strcmp(actual, expected) == 0;
  int ok = check__record(same, file, line, expr);
  if (!ok) {
    fprintf(stderr, "  actual:   \"%s\"\n  expected: \"%s\"\n",
            actual ? actual : "(NULL)", expected ? expected : "(NULL)");
  }
  return ok;
}

static inline int check__contains(const char *text, const char *needle,
                                  const char *file, int line,
                                  const char *expr) {
  int found = text != NULL && needle != NULL && strstr(text, needle) != NULL;
  int ok = check__record(found, file, line, expr);
  if (!ok) {
    fprintf(stderr, "  text:     \"%.2000s\"\n  missing:  \"%s\"\n",
            text ? text : "(NULL)", needle ? needle : "(NULL)");
  }
  return ok;
}

#define CHECK(cond) check__record(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_INT(actual, expected)                                           \
  check__int((long long)(actual), (long long)(expected), __FILE__, __LINE__,  \
             #actual " == " #expected)

#define CHECK_U64(actual, expected)                                           \
  check__u64((unsigned long long)(actual), (unsigned long long)(expected),    \
             __FILE__, __LINE__, #actual " == " #expected)

#define CHECK_STR(actual, expected)                                           \
  check__str((actual), (expected), __FILE__, __LINE__,                        \
             #actual " equals " #expected)

#define CHECK_CONTAINS(text, needle)                                          \
  check__contains((text), (needle), __FILE__, __LINE__,                       \
                  #text " contains " #needle)

#define CHECK_STATUS(call, expected)                                          \
  check__status((int)(call), (int)(expected), __FILE__, __LINE__,             \
                #call " returns " #expected)

/* Stops the test at once: for failures that later steps cannot survive,
 * such as a logger that was not created. */
#define REQUIRE(cond)                                                         \
  do {                                                                        \
    if (!CHECK(cond)) {                                                       \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

#define REQUIRE_STATUS(call, expected)                                        \
  do {                                                                        \
    if (!CHECK_STATUS(call, expected)) {                                      \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

/* Prints the tally; returns the exit code for main. */
static inline int check__done(const char *file) {
  unsigned long *c = check__counts();
  fprintf(stderr, "%s: %lu checks, %lu failed\n", file, c[0], c[1]);
  return c[1] == 0 ? 0 : 1;
}

#define CHECK_DONE() check__done(__FILE__)

#endif /* ASYNCLOG_TEST_CHECK_H */
