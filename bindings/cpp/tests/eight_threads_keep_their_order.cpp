// Rule: one Logger is shared by any number of threads through its const
// members; every event arrives exactly once, as one valid JSON line, and
// the events of each thread arrive in the order that thread logged them.

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace {

using asynclog::Logger;

constexpr int kThreads = 8;

// ASYNCLOG_CPP_TEST_EVENTS_PER_THREAD shrinks the run (20,000 by
// default).
int events_per_thread() {
  const char* env = std::getenv("ASYNCLOG_CPP_TEST_EVENTS_PER_THREAD");
  int n = env ? std::atoi(env) : 0;
  return n > 0 ? n : 20000;
}

TEST(Threads, EightThreadsKeepTheirOrderAndLoseNothing) {
  const int per_thread = events_per_thread();
  Logger log = Logger::create(test::kCaptureConfig);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t, per_thread] {
      Logger mine = log.child("worker", {{"thread", t}});
      for (int i = 0; i < per_thread; ++i) {
        // Half through the parent, half through a child of this thread.
        const Logger& through = i % 2 ? mine : log;
        asynclog::Status status =
            through.info("event", {{"t", t},
                                   {"seq", i},
                                   {"text", "quote\" and \\ and \n"},
                                   {"ratio", i / 7.0},
                                   {"even", i % 2 == 0},
                                   asynclog::object("nested", {{"seq", i}})});
        if (status != ASYNCLOG_OK) {
          ADD_FAILURE() << "thread " << t << " event " << i << ": "
                        << asynclog::status_str(status);
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  log.flush(test::kFlushTimeout);

  std::string text = log.capture_take("mem");
  std::vector<int> next(kThreads, 0);
  std::size_t lines = 0, bad = 0;
  for (std::string_view line : test::split_lines(text)) {
    ++lines;
    std::optional<test::Json> record = test::parse_json(line);
    const test::Json* t = record ? record->find("t") : nullptr;
    const test::Json* seq = record ? record->find("seq") : nullptr;
    if (!t || !seq || t->number < 0 || t->number >= kThreads ||
        record->at("nested.seq")->number != seq->number ||
        record->at("text")->string != "quote\" and \\ and \n") {
      if (++bad < 5) ADD_FAILURE() << "bad line: " << line;
      continue;
    }
    int thread = static_cast<int>(t->number);
    if (static_cast<int>(seq->number) != next[thread]) {
      if (++bad < 5) {
        ADD_FAILURE() << "thread " << thread << ": expected seq "
                      << next[thread] << ", got " << seq->number;
      }
    }
    next[thread] = static_cast<int>(seq->number) + 1;
  }
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(lines, static_cast<std::size_t>(kThreads * per_thread));
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[t], per_thread) << t;
  EXPECT_EQ(test::metric(log, "sinks[0].written"), kThreads * per_thread);
  EXPECT_EQ(test::metric(log, "dropped.queue_full"), 0);
}

}  // namespace
