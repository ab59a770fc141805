// Rule: flush returns once everything logged before it is written, and
// throws an Error with ASYNCLOG_ERR_TIMEOUT and the pending count when its
// time runs out first (try_flush returns both instead). After shutdown
// the logger refuses events with ASYNCLOG_ERR_CLOSED and counts them;
// every handle stays valid and is freed by its destructor.

#include <string>

#include "support.hpp"

namespace {

using asynclog::Logger;
using namespace std::chrono_literals;

TEST(Flush, FlushLeavesNothingInFlight) {
  Logger log = Logger::create(test::kCaptureConfig);
  for (int i = 0; i < 10000; ++i) {
    EXPECT_EQ(log.info("e", {{"i", i}}), ASYNCLOG_OK);
  }
  std::uint64_t pending = 99;
  EXPECT_EQ(log.try_flush(test::kFlushTimeout, pending), ASYNCLOG_OK);
  EXPECT_EQ(pending, 0u);
  EXPECT_EQ(test::metric(log, "sinks[0].in_flight"), 0);
  EXPECT_EQ(test::metric(log, "sinks[0].written"), 10000);
  log.flush(test::kFlushTimeout);  // nothing left: returns at once
  EXPECT_EQ(log.capture_take("mem").size(),
            static_cast<std::size_t>(test::metric(log, "sinks[0].bytes")));
}

// A flush with no time at all, right after a burst, normally finds
// events still queued. The worker may still win a round; a few rounds
// make a timeout all but certain.
TEST(Flush, ATimeoutReportsThePendingEvents) {
  test::ScratchDir dir;
  Logger log = Logger::create(test::file_config(dir.file("burst.log")));
  bool timed_out = false;
  for (int round = 0; round < 10 && !timed_out; ++round) {
    for (int i = 0; i < 100000; ++i) {
      (void)log.info("burst", {{"i", i}, {"pad", std::string_view("x", 1)}});
    }
    try {
      log.flush(0ms);
    } catch (const asynclog::Error& e) {
      timed_out = true;
      EXPECT_EQ(e.code(), ASYNCLOG_ERR_TIMEOUT);
      EXPECT_GT(e.pending(), 0u);
      EXPECT_CONTAINS(e.what(), std::to_string(e.pending()));
    }
  }
  ASSERT_TRUE(timed_out) << "the worker drained 100,000 events in no time";

  for (int i = 0; i < 100000; ++i) (void)log.info("burst", {{"i", i}});
  std::uint64_t pending = 0;
  asynclog::Status status = log.try_flush(0ms, pending);
  if (status == ASYNCLOG_ERR_TIMEOUT) {
    EXPECT_GT(pending, 0u);
  } else {
    EXPECT_EQ(status, ASYNCLOG_OK);
    EXPECT_EQ(pending, 0u);
  }
  // A negative timeout is no time at all, not a very long one.
  (void)log.try_flush(-5ms);
  log.flush(test::kFlushTimeout);
}

TEST(Flush, AfterShutdownEventsAreRefusedAndCounted) {
  Logger log = Logger::create(test::kCaptureConfig);
  Logger child = log.child("child");
  EXPECT_EQ(log.info("before"), ASYNCLOG_OK);
  log.shutdown(test::kFlushTimeout);

  EXPECT_EQ(log.info("after"), ASYNCLOG_ERR_CLOSED);
  EXPECT_EQ(child.warn("after, from a child"), ASYNCLOG_ERR_CLOSED);
  EXPECT_EQ(test::metric(log, "dropped.closed"), 2);
  // What was logged before is there.
  std::string lines = log.capture_take("mem");
  EXPECT_CONTAINS(lines, "\"before\"");
  EXPECT_EQ(lines.find("after"), std::string::npos);

  // A second shutdown, and a flush, find nothing to do.
  std::uint64_t pending = 1;
  EXPECT_EQ(log.try_shutdown(1s, pending), ASYNCLOG_OK);
  EXPECT_EQ(pending, 0u);
  EXPECT_EQ(log.try_shutdown(1s), ASYNCLOG_OK);
  EXPECT_EQ(log.try_flush(1s), ASYNCLOG_OK);
}

TEST(Flush, MetricsBalanceForEverySink) {
  Logger log = Logger::create(
      R"({"sinks":[{"type":"capture","name":"mem"},)"
      R"({"type":"capture","name":"warnings","level":"warn"}]})");
  (void)log.info("one");
  (void)log.warn("two");
  (void)log.debug("filtered by the logger");
  log.flush(test::kFlushTimeout);
  std::string json = log.metrics_json();
  std::optional<test::Json> doc = test::parse_json(json);
  ASSERT_TRUE(doc) << json;
  EXPECT_EQ(doc->at("submitted")->number, 3);
  EXPECT_EQ(doc->at("filtered")->number, 1);
  EXPECT_EQ(doc->at("sinks[0].name")->string, "mem");
  EXPECT_EQ(doc->at("sinks[0].written")->number, 2);
  EXPECT_EQ(doc->at("sinks[1].name")->string, "warnings");
  EXPECT_EQ(doc->at("sinks[1].written")->number, 1);
  EXPECT_EQ(log.capture_take("warnings").find("\"one\""), std::string::npos);
}

}  // namespace
