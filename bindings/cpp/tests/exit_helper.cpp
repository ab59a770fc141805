// exit_helper: a program that logs to a file through a Logger with static
// storage duration, then leaves in the way its first argument names.
// The test exit_drains_a_static_logger reads the file afterwards.
//
//   usage: exit_helper return|exit|flush-then-_exit|_exit PATH EVENTS

#include <unistd.h>

#include <asynclog/asynclog.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

asynclog::Logger g_log;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MODE PATH EVENTS\n", argv[0]);
    return 2;
  }
  const std::string_view mode = argv[1];
  const std::string config = std::string(R"({"sinks":[{"type":"file",)") +
                             R"("path":")" + argv[2] + R"("}]})";
  const long events = std::strtol(argv[3], nullptr, 10);

  g_log = asynclog::Logger::create(config);
  for (long i = 0; i < events; ++i) {
    (void)g_log.info("exiting soon", {{"i", i}});
  }

  if (mode == "return") return 0;    // static destructors drain
  if (mode == "exit") std::exit(0);  // so does exit()
  if (mode == "flush-then-_exit") {
    g_log.flush(std::chrono::seconds(30));
    _exit(0);
  }
  if (mode == "_exit") _exit(0);  // skips destructors: loses the queue
  std::fprintf(stderr, "unknown mode %s\n", argv[1]);
  return 2;
}
