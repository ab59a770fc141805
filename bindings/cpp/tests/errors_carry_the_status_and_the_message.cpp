// Rule: a refused call throws asynclog::Error, a std::runtime_error whose
// code() is the C status and whose what() is the library's message,
// naming the key path (and the file); its try_ twin returns the same
// status, leaves the out-parameter as it was, and never throws.

#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "support.hpp"

namespace {

using asynclog::Error;
using asynclog::Logger;

static_assert(std::is_base_of_v<std::runtime_error, Error>);
static_assert(std::is_same_v<asynclog::Status, asynclog_status>);
static_assert(noexcept(Logger::try_create({}, std::declval<Logger&>())));
static_assert(noexcept(std::declval<const Logger&>().info("x")));

// The Error a call throws; fails the test if it throws none.
template <class Call>
Error error_of(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no asynclog::Error thrown";
  return Error(ASYNCLOG_OK, "");
}

TEST(Errors, ABrokenConfigNamesTheKeyPath) {
  Error e = error_of([] {
    (void)Logger::create(
        R"({"sinks":[{"type":"file","path":"relative.log"}]})");
  });
  EXPECT_EQ(e.code(), ASYNCLOG_ERR_CONFIG);
  EXPECT_STREQ(e.what(), "sinks[0].path: must be an absolute path");
  EXPECT_EQ(e.pending(), 0u);

  e = error_of(
      [] { (void)Logger::create(R"({"queue":{"capacity":"lots"}})"); });
  EXPECT_EQ(e.code(), ASYNCLOG_ERR_CONFIG);
  EXPECT_CONTAINS(e.what(), "queue.capacity");

  e = error_of([] { (void)Logger::create(R"({"sinks":[{"type":"capture"})"); });
  EXPECT_EQ(e.code(), ASYNCLOG_ERR_CONFIG);
  EXPECT_CONTAINS(e.what(), "invalid JSON");

  e = error_of([] { (void)Logger::create("level = 12\n"); });
  EXPECT_EQ(e.code(), ASYNCLOG_ERR_CONFIG);
  EXPECT_CONTAINS(e.what(), "level");
}

TEST(Errors, AConfigThatIsNotUtf8IsRefused) {
  Error e = error_of([] { (void)Logger::create("{\"name\":\"\xff\"}"); });
  EXPECT_EQ(e.code(), ASYNCLOG_ERR_CONFIG);
  EXPECT_CONTAINS(e.what(), "not UTF-8");
}

TEST(Errors, TryCreateReturnsTheStatusAndLeavesOutAsItWas) {
  Logger out = Logger::create(test::kCaptureConfig);
  asynclog_logger* before = out.native_handle();
  EXPECT_EQ(Logger::try_create(R"({"sinks":"none"})", out),
            ASYNCLOG_ERR_CONFIG);
  EXPECT_CONTAINS(asynclog::last_error(), "sinks");
  EXPECT_EQ(out.native_handle(), before);
  EXPECT_EQ(Logger::try_from_file("/nonexistent/asynclog.json", out),
            ASYNCLOG_ERR_CONFIG);
  EXPECT_EQ(out.native_handle(), before);
}

TEST(Errors, AnEmptyConfigSelectsTheDefault) {
  // The default logs NDJSON to stdout at INFO.
  Logger log = Logger::create();
  EXPECT_TRUE(log);
  EXPECT_TRUE(log.enabled(asynclog::Level::info));
  EXPECT_FALSE(log.enabled(asynclog::Level::debug));
  Logger same;
  EXPECT_EQ(Logger::try_create("", same), ASYNCLOG_OK);
  EXPECT_CONTAINS(same.metrics_json(), "\"stdout\"");
}

TEST(Errors, FromFileReadsJsonAndTomlAndNamesTheFile) {
  test::ScratchDir dir;
  const std::string json = dir.file("good.json");
  test::write_file(json, test::kCaptureConfig);
  Logger log = Logger::from_file(json);
  EXPECT_EQ(log.info("from a json file"), ASYNCLOG_OK);
  EXPECT_EQ(test::take_records(log).size(), 1u);

  const std::string toml = dir.file("good.toml");
  test::write_file(toml,
                   "level = \"debug\"\n[[sinks]]\ntype = \"capture\"\n"
                   "name = \"mem\"\n");
  Logger from_toml;
  ASSERT_EQ(Logger::try_from_file(toml, from_toml), ASYNCLOG_OK);
  EXPECT_TRUE(from_toml.enabled(asynclog::Level::debug));

  const std::string broken = dir.file("broken.json");
  test::write_file(broken,
                   R"({"sinks":[{"type":"file","path":"relative.log"}]})");
  Error e = error_of([&] { (void)Logger::from_file(broken); });
  EXPECT_EQ(e.code(), ASYNCLOG_ERR_CONFIG);
  EXPECT_EQ(std::string(e.what()),
            broken + ": sinks[0].path: must be an absolute path");

  e = error_of([&] { (void)Logger::from_file(dir.file("missing.json")); });
  EXPECT_EQ(e.code(), ASYNCLOG_ERR_CONFIG);
  EXPECT_CONTAINS(e.what(), dir.file("missing.json"));
  EXPECT_CONTAINS(e.what(), "cannot read the file");

  e = error_of([] { (void)Logger::from_file(""); });
  EXPECT_EQ(e.code(), ASYNCLOG_ERR_CONFIG);
}

TEST(Errors, ASinkThatCannotBeOpenedIsAnIoError) {
  Error e = error_of([] {
    (void)Logger::create(
        R"({"sinks":[{"type":"file","path":"/nonexistent-dir/x/y.log"}]})");
  });
  EXPECT_EQ(e.code(), ASYNCLOG_ERR_IO);
  // The message names the sink and the part of the path that failed.
  EXPECT_CONTAINS(e.what(), "sinks[0]");
  EXPECT_CONTAINS(e.what(), "/nonexistent-dir");
}

TEST(Errors, CaptureTakeOfAnUnknownSinkIsNoSuchSink) {
  Logger log = Logger::create(test::kCaptureConfig);
  std::string out = "untouched";
  EXPECT_EQ(log.try_capture_take("other", out), ASYNCLOG_ERR_NO_SUCH_SINK);
  EXPECT_EQ(out, "untouched");
  Error e = error_of([&] { (void)log.capture_take("other"); });
  EXPECT_EQ(e.code(), ASYNCLOG_ERR_NO_SUCH_SINK);
  EXPECT_CONTAINS(e.what(), "\"other\"");
  // An empty capture is an empty string, not an error.
  EXPECT_EQ(log.capture_take("mem"), "");
}

TEST(Errors, StatusStringsLastErrorAndVersion) {
  EXPECT_STREQ(asynclog::status_str(ASYNCLOG_OK), "ok");
  EXPECT_STREQ(asynclog::status_str(ASYNCLOG_ERR_CONFIG),
               "configuration refused");
  EXPECT_STREQ(asynclog::status_str(static_cast<asynclog::Status>(12345)),
               "unknown status");

  Logger out;
  ASSERT_EQ(Logger::try_create(R"({"sinks":[]})", out), ASYNCLOG_ERR_CONFIG);
  EXPECT_EQ(asynclog::last_error(), "sinks: at least one sink is required");

  const std::string expected = std::to_string(ASYNCLOG_VERSION_MAJOR) + "." +
                               std::to_string(ASYNCLOG_VERSION_MINOR) + "." +
                               std::to_string(ASYNCLOG_VERSION_PATCH);
  EXPECT_EQ(asynclog::version(), expected);
}

TEST(Errors, TheLastErrorIsPerThread) {
  Logger out;
  ASSERT_EQ(Logger::try_create(R"({"sinks":[]})", out), ASYNCLOG_ERR_CONFIG);
  std::string seen_elsewhere = "unset";
  std::thread([&] { seen_elsewhere = asynclog::last_error(); }).join();
  EXPECT_EQ(seen_elsewhere, "");
  EXPECT_NE(asynclog::last_error(), "");
}

}  // namespace
