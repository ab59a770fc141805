// Rule: a Logger with static storage duration drains into its sinks when
// main returns or exit() is called; _exit() skips destructors, so only
// what a flush wrote before it is certain to be there.

#include <sys/wait.h>

#include <algorithm>
#include <string>

#include "support.hpp"

#ifndef ASYNCLOG_CPP_EXIT_HELPER
#error "ASYNCLOG_CPP_EXIT_HELPER must name the exit_helper program"
#endif

namespace {

constexpr int kEvents = 50000;

// Runs exit_helper and returns how many lines it left in its file.
long lines_after(const std::string& mode) {
  test::ScratchDir dir;
  const std::string path = dir.file("exit.log");
  const std::string command = std::string("'") + ASYNCLOG_CPP_EXIT_HELPER +
                              "' " + mode + " '" + path + "' " +
                              std::to_string(kEvents);
  int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << command << ": status " << status;
  std::string text = test::read_file(path);
  return static_cast<long>(std::count(text.begin(), text.end(), '\n'));
}

TEST(Exit, ReturningFromMainDrainsAStaticLogger) {
  EXPECT_EQ(lines_after("return"), kEvents);
}

TEST(Exit, ExitDrainsAStaticLogger) {
  EXPECT_EQ(lines_after("exit"), kEvents);
}

TEST(Exit, FlushBeforeUnderscoreExitKeepsEverything) {
  EXPECT_EQ(lines_after("flush-then-_exit"), kEvents);
}

TEST(Exit, UnderscoreExitWithoutAFlushMayLoseTheQueue) {
  // Nothing is promised; the line count only shows it is not more.
  EXPECT_LE(lines_after("_exit"), kEvents);
}

}  // namespace
