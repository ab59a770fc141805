// Rule: asynclog.h is usable from C++17 with warnings as errors: the
// declarations have C linkage, the inline field helpers compile as C++,
// and a program can log through them.

#include "asynclog.h"

#include <cstdio>
#include <cstring>
#include <string>

static int failures = 0;

static void check(bool ok, const char *what) {
  if (!ok) {
    std::fprintf(stderr, "check failed: %s\n", what);
    failures++;
  }
}

int main() {
  const std::string config = R"({"sinks":[{"type":"capture","name":"cap"}]})";
  asynclog_logger *logger = nullptr;
  check(asynclog_logger_new(config.data(), config.size(), &logger) ==
            ASYNCLOG_OK,
        "logger_new");
  if (logger == nullptr) {
    return 1;
  }

  const asynclog_field inner[] = {asynclog_field_i64("x", 1)};
  const asynclog_field fields[] = {
      asynclog_field_str("lang", "c++"),
      asynclog_field_u64("n", 42),
      asynclog_field_f64("f", 0.5),
      asynclog_field_bool("b", true),
      asynclog_field_null("z"),
      asynclog_field_bytes("raw", "\x01", 1),
      asynclog_field_object("obj", inner, ASYNCLOG_COUNT(inner)),
      asynclog_field_array("arr", inner, ASYNCLOG_COUNT(inner)),
  };
  const std::string msg = "hello from C++";
  check(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, msg.data(), msg.size(),
                     fields, ASYNCLOG_COUNT(fields)) == ASYNCLOG_OK,
        "log");
  uint64_t pending = 1;
  check(asynclog_logger_flush(logger, 30000, &pending) == ASYNCLOG_OK &&
            pending == 0,
        "flush");

  char buf[4096];
  size_t len = 0;
  check(asynclog_logger_capture_take(logger, "cap", 3, buf, sizeof buf,
                                     &len) == ASYNCLOG_OK,
        "capture_take");
  check(std::strstr(buf, "\"msg\":\"hello from C++\"") != nullptr,
        "the line has the message");
  check(std::strstr(buf, "\"lang\":\"c++\"") != nullptr,
        "the line has the field");

  asynclog_logger_free(logger);
  std::fprintf(stderr, "header_compiles_as_cpp: %d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
