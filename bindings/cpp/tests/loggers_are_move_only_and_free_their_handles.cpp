// Rule: a Logger owns one handle. It cannot be copied; moving hands the
// handle over and leaves the source empty; move-assigning over a live
// logger frees (and drains) the old one; an empty Logger answers every
// call with ASYNCLOG_ERR_NULL (or an Error with that code) and frees
// nothing. Children share the parent's pipeline in any destruction
// order: the logger stops only when its last handle is freed.

#include <dirent.h>

#include <algorithm>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "support.hpp"

namespace {

using asynclog::Logger;
using namespace std::chrono_literals;

static_assert(!std::is_copy_constructible_v<Logger>);
static_assert(!std::is_copy_assignable_v<Logger>);
static_assert(std::is_nothrow_move_constructible_v<Logger>);
static_assert(std::is_nothrow_move_assignable_v<Logger>);
static_assert(std::is_nothrow_default_constructible_v<Logger>);
static_assert(sizeof(Logger) == sizeof(asynclog_logger*));

// Threads of this process: a logger's worker and sink threads are
// joined when its last handle is freed.
int thread_count() {
  DIR* dir = opendir("/proc/self/task");
  if (!dir) return -1;
  int n = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n;
}

std::size_t line_count(const std::string& path) {
  std::string text = test::read_file(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(Loggers, MoveConstructionHandsTheHandleOver) {
  Logger a = Logger::create(test::kCaptureConfig);
  asynclog_logger* handle = a.native_handle();
  ASSERT_TRUE(a);

  Logger b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): the rule under test
  EXPECT_EQ(a.native_handle(), nullptr);
  EXPECT_EQ(b.native_handle(), handle);
  EXPECT_EQ(b.info("still logs"), ASYNCLOG_OK);
  EXPECT_EQ(test::take_records(b).size(), 1u);
}

TEST(Loggers, MoveAssignmentOverALiveLoggerFreesAndDrainsTheOldOne) {
  test::ScratchDir dir;
  const std::string path = dir.file("old.log");
  const int before = thread_count();

  Logger target = Logger::create(test::file_config(path));
  const int with_one = thread_count();
  EXPECT_GT(with_one, before) << "a logger runs threads of its own";
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(target.info("queued", {{"i", i}}), ASYNCLOG_OK);
  }

  Logger source = Logger::create(test::kCaptureConfig);
  asynclog_logger* handle = source.native_handle();
  target = std::move(source);

  // The old logger was freed: drained into its file, its threads joined
  // (nothing flushed it).
  EXPECT_EQ(line_count(path), 1000u);
  EXPECT_EQ(thread_count(), with_one);
  EXPECT_EQ(target.native_handle(), handle);
  EXPECT_FALSE(source);  // NOLINT(bugprone-use-after-move)

  // Self-assignment keeps the handle.
  Logger& alias = target;
  target = std::move(alias);
  EXPECT_EQ(target.native_handle(), handle);

  target = Logger();
  EXPECT_FALSE(target);
  EXPECT_EQ(thread_count(), before);
}

TEST(Loggers, AnEmptyLoggerAnswersNullAndFreesNothing) {
  Logger empty;
  EXPECT_FALSE(empty);
  EXPECT_EQ(empty.info("x"), ASYNCLOG_ERR_NULL);
  EXPECT_EQ(asynclog::last_error(), "logger is NULL");
  EXPECT_EQ(empty.log(asynclog::Level::error, "x", {{"k", 1}}),
            ASYNCLOG_ERR_NULL);
  EXPECT_EQ(empty.log_encoded(asynclog::Level::info, "x", nullptr, 0),
            ASYNCLOG_ERR_NULL);
  EXPECT_FALSE(empty.enabled(asynclog::Level::security));
  EXPECT_EQ(empty.try_set_level(asynclog::Level::info), ASYNCLOG_ERR_NULL);
  EXPECT_EQ(empty.try_flush(1s), ASYNCLOG_ERR_NULL);
  EXPECT_EQ(empty.try_shutdown(1s), ASYNCLOG_ERR_NULL);
  std::string out = "untouched";
  EXPECT_EQ(empty.try_metrics_json(out), ASYNCLOG_ERR_NULL);
  EXPECT_EQ(empty.try_capture_take("mem", out), ASYNCLOG_ERR_NULL);
  EXPECT_EQ(out, "untouched");
  Logger child;
  EXPECT_EQ(empty.try_child("c", {}, child), ASYNCLOG_ERR_NULL);
  EXPECT_EQ(empty.try_with({{"k", 1}}, child), ASYNCLOG_ERR_NULL);
  EXPECT_FALSE(child);

  // The throwing API throws an Error with the same code and message.
  auto expect_null = [](auto&& call) {
    try {
      call();
      ADD_FAILURE() << "no Error thrown";
    } catch (const asynclog::Error& e) {
      EXPECT_EQ(e.code(), ASYNCLOG_ERR_NULL);
      EXPECT_STREQ(e.what(), "logger is NULL");
    }
  };
  expect_null([&] { empty.flush(1s); });
  expect_null([&] { empty.shutdown(1s); });
  expect_null([&] { empty.set_level(asynclog::Level::info); });
  expect_null([&] { (void)empty.metrics_json(); });
  expect_null([&] { (void)empty.capture_take("mem"); });
  expect_null([&] { (void)empty.child("c"); });
  expect_null([&] { (void)empty.with({{"k", 1}}); });
}

TEST(Loggers, AMovedFromLoggerIsEmptyAndCanBeReused) {
  Logger a = Logger::create(test::kCaptureConfig);
  Logger b = std::move(a);
  // NOLINTNEXTLINE(bugprone-use-after-move): the rule under test
  EXPECT_EQ(a.info("into nothing"), ASYNCLOG_ERR_NULL);
  ASSERT_EQ(Logger::try_create(test::kCaptureConfig, a), ASYNCLOG_OK);
  EXPECT_EQ(a.info("reused"), ASYNCLOG_OK);
  EXPECT_EQ(test::take_records(a).size(), 1u);
  EXPECT_EQ(test::take_records(b).size(), 0u);
}

TEST(Loggers, ReleaseAdoptResetAndSwapTransferOwnership) {
  Logger a = Logger::create(test::kCaptureConfig);
  asynclog_logger* raw = a.release();
  EXPECT_FALSE(a);
  ASSERT_NE(raw, nullptr);
  // The C API can use (and must free) a released handle.
  const char msg[] = "from C";
  EXPECT_EQ(
      asynclog_log(raw, ASYNCLOG_LEVEL_INFO, msg, sizeof msg - 1, nullptr, 0),
      ASYNCLOG_OK);

  Logger adopted = Logger::adopt(raw);
  EXPECT_EQ(adopted.native_handle(), raw);
  std::vector<test::Json> records = test::take_records(adopted);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("msg")->string, "from C");

  Logger other = Logger::create(test::kCaptureConfig);
  asynclog_logger* other_raw = other.native_handle();
  swap(adopted, other);
  EXPECT_EQ(adopted.native_handle(), other_raw);
  EXPECT_EQ(other.native_handle(), raw);

  other.reset();
  EXPECT_FALSE(other);
  EXPECT_FALSE(Logger::adopt(nullptr));

  asynclog_logger* fresh = nullptr;
  ASSERT_EQ(asynclog_logger_new(test::kCaptureConfig.data(),
                                test::kCaptureConfig.size(), &fresh),
            ASYNCLOG_OK);
  adopted.reset(fresh);
  EXPECT_EQ(adopted.native_handle(), fresh);
}

TEST(Loggers, ChildrenAddFieldsAndAName) {
  Logger log = Logger::create(test::kCaptureConfig);
  Logger db = log.child("db", {{"pool", 3}});
  Logger req = db.with({{"request_id", "r-1"}});
  asynclog::Field bound[] = {{"shard", 7u}};
  Logger shard = log.child("shard", bound, 1);
  Logger plain = log.with(bound, 1);
  Logger unnamed_fields = log.child("nofields");

  EXPECT_EQ(db.info("query"), ASYNCLOG_OK);
  EXPECT_EQ(req.info("in request", {{"rows", 10}}), ASYNCLOG_OK);
  EXPECT_EQ(shard.info("sharded"), ASYNCLOG_OK);
  EXPECT_EQ(plain.info("plain"), ASYNCLOG_OK);
  EXPECT_EQ(unnamed_fields.info("named"), ASYNCLOG_OK);

  // All children share the parent's capture.
  std::vector<test::Json> records = test::take_records(log);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(test::raw(records[0], "logger"), "\"db\"");
  EXPECT_EQ(test::raw(records[0], "pool"), "3");
  EXPECT_EQ(test::raw(records[1], "logger"), "\"db\"");
  EXPECT_EQ(test::raw(records[1], "pool"), "3");
  EXPECT_EQ(test::raw(records[1], "request_id"), "\"r-1\"");
  EXPECT_EQ(test::raw(records[1], "rows"), "10");
  EXPECT_EQ(test::raw(records[2], "logger"), "\"shard\"");
  EXPECT_EQ(test::raw(records[2], "shard"), "7");
  EXPECT_EQ(test::raw(records[3], "logger"), "\"app\"");
  EXPECT_EQ(test::raw(records[3], "shard"), "7");
  EXPECT_EQ(test::raw(records[4], "logger"), "\"nofields\"");

  Logger out;
  EXPECT_EQ(log.try_child("t", {{"a", 1}}, out), ASYNCLOG_OK);
  EXPECT_TRUE(out);
  EXPECT_EQ(log.try_with({{"b", 2}}, out), ASYNCLOG_OK);
  EXPECT_EQ(log.try_child("t", bound, 1, out), ASYNCLOG_OK);
  EXPECT_EQ(log.try_with(bound, 1, out), ASYNCLOG_OK);
  EXPECT_EQ(out.info("last"), ASYNCLOG_OK);
  EXPECT_EQ(test::raw(test::one_record(log), "shard"), "7");
}

TEST(Loggers, AChildOutlivingItsParentStillLogs) {
  test::ScratchDir dir;
  const std::string path = dir.file("child.log");
  Logger child;
  {
    Logger parent = Logger::create(test::file_config(path));
    child = parent.child("orphan", {{"k", 1}});
    EXPECT_EQ(parent.info("from parent"), ASYNCLOG_OK);
  }
  // The parent's handle is gone, the pipeline is not.
  EXPECT_EQ(child.info("from child"), ASYNCLOG_OK);
  child.flush(test::kFlushTimeout);
  EXPECT_EQ(line_count(path), 2u);
  EXPECT_EQ(test::metric(child, "submitted"), 2);
  // Freeing the last handle drains and stops.
  EXPECT_EQ(child.info("drained at free"), ASYNCLOG_OK);
  child.reset();
  EXPECT_EQ(line_count(path), 3u);
}

TEST(Loggers, AParentDestroyedFirstOrLastIsFine) {
  test::ScratchDir dir;
  const std::string path = dir.file("order.log");
  const int before = thread_count();
  {
    auto parent =
        std::make_unique<Logger>(Logger::create(test::file_config(path)));
    Logger first = parent->child("first");
    Logger second = first.with({{"k", 2}});
    EXPECT_EQ(second.info("a"), ASYNCLOG_OK);
    parent.reset();  // the parent first
    EXPECT_EQ(first.info("b"), ASYNCLOG_OK);
    first = Logger();  // a middle child next
    EXPECT_EQ(second.info("c"), ASYNCLOG_OK);
  }  // the last child last: drains here
  EXPECT_EQ(line_count(path), 3u);
  EXPECT_EQ(thread_count(), before);
}

}  // namespace
