// Rule: each level method logs at its level in all three forms (an
// initializer_list, a pointer and a count, a container), Level maps to
// the ASYNCLOG_LEVEL_* numbers, events below the logger's level are
// filtered and counted, and set_level moves the threshold.

#include <array>
#include <string>
#include <vector>

#include "support.hpp"

namespace {

using asynclog::Field;
using asynclog::Level;
using asynclog::Logger;
using test::raw;

static_assert(static_cast<asynclog_level>(Level::trace) ==
              ASYNCLOG_LEVEL_TRACE);
static_assert(static_cast<asynclog_level>(Level::debug) ==
              ASYNCLOG_LEVEL_DEBUG);
static_assert(static_cast<asynclog_level>(Level::info) == ASYNCLOG_LEVEL_INFO);
static_assert(static_cast<asynclog_level>(Level::warn) == ASYNCLOG_LEVEL_WARN);
static_assert(static_cast<asynclog_level>(Level::error) ==
              ASYNCLOG_LEVEL_ERROR);
static_assert(static_cast<asynclog_level>(Level::fatal) ==
              ASYNCLOG_LEVEL_FATAL);
static_assert(static_cast<asynclog_level>(Level::audit) ==
              ASYNCLOG_LEVEL_AUDIT);
static_assert(static_cast<asynclog_level>(Level::security) ==
              ASYNCLOG_LEVEL_SECURITY);

constexpr std::string_view kTraceConfig =
    R"({"level":"trace","sinks":[{"type":"capture","name":"mem"}]})";

TEST(Levels, EveryLevelMethodLogsAtItsLevelInEveryForm) {
  Logger log = Logger::create(kTraceConfig);
  Field one[] = {{"form", "pointer"}};
  std::vector<Field> vec{{"form", "container"}};

  using Method = asynclog::Status (Logger::*)(
      std::string_view, std::initializer_list<Field>) const noexcept;
  using PtrMethod = asynclog::Status (Logger::*)(std::string_view, const Field*,
                                                 std::size_t) const noexcept;
  struct Case {
    Method list;
    PtrMethod pointer;
    const char* name;
  };
  const Case cases[] = {
      {&Logger::trace, &Logger::trace, "TRACE"},
      {&Logger::debug, &Logger::debug, "DEBUG"},
      {&Logger::info, &Logger::info, "INFO"},
      {&Logger::warn, &Logger::warn, "WARN"},
      {&Logger::error, &Logger::error, "ERROR"},
      {&Logger::fatal, &Logger::fatal, "FATAL"},
      {&Logger::audit, &Logger::audit, "AUDIT"},
      {&Logger::security, &Logger::security, "SECURITY"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ((log.*c.list)(c.name, {{"form", "list"}}), ASYNCLOG_OK);
    EXPECT_EQ((log.*c.pointer)(c.name, one, 1), ASYNCLOG_OK);
  }
  // The container form is a template: call each by name.
  EXPECT_EQ(log.trace("TRACE", vec), ASYNCLOG_OK);
  EXPECT_EQ(log.debug("DEBUG", vec), ASYNCLOG_OK);
  EXPECT_EQ(log.info("INFO", vec), ASYNCLOG_OK);
  EXPECT_EQ(log.warn("WARN", vec), ASYNCLOG_OK);
  EXPECT_EQ(log.error("ERROR", vec), ASYNCLOG_OK);
  EXPECT_EQ(log.fatal("FATAL", vec), ASYNCLOG_OK);
  EXPECT_EQ(log.audit("AUDIT", vec), ASYNCLOG_OK);
  EXPECT_EQ(log.security("SECURITY", vec), ASYNCLOG_OK);

  std::vector<test::Json> records = test::take_records(log);
  ASSERT_EQ(records.size(), 3 * std::size(cases));
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    for (std::size_t r : {2 * i, 2 * i + 1, 2 * std::size(cases) + i}) {
      EXPECT_EQ(records[r].at("level")->string, cases[i].name);
      EXPECT_EQ(records[r].at("msg")->string, cases[i].name);
    }
    EXPECT_EQ(raw(records[2 * i], "form"), "\"list\"");
    EXPECT_EQ(raw(records[2 * i + 1], "form"), "\"pointer\"");
    EXPECT_EQ(raw(records[2 * std::size(cases) + i], "form"), "\"container\"");
  }
}

TEST(Levels, LogTakesTheLevelAsAnArgumentInEveryForm) {
  Logger log = Logger::create(test::kCaptureConfig);
  Field fields[] = {{"n", 2}};
  std::array<Field, 1> arr{{{"n", 3}}};
  EXPECT_EQ(log.log(Level::warn, "m"), ASYNCLOG_OK);
  EXPECT_EQ(log.log(Level::warn, "m", {{"n", 1}}), ASYNCLOG_OK);
  EXPECT_EQ(log.log(Level::error, "m", fields, 1), ASYNCLOG_OK);
  EXPECT_EQ(log.log(Level::audit, "m", arr), ASYNCLOG_OK);
  EXPECT_EQ(log.info("no fields"), ASYNCLOG_OK);
  EXPECT_EQ(log.info("empty list", {}), ASYNCLOG_OK);
  EXPECT_EQ(log.info("null pointer", nullptr, 0), ASYNCLOG_OK);

  std::vector<test::Json> records = test::take_records(log);
  ASSERT_EQ(records.size(), 7u);
  EXPECT_EQ(raw(records[0], "level"), "\"WARN\"");
  EXPECT_EQ(raw(records[0], "n"), "<missing>");
  EXPECT_EQ(raw(records[1], "n"), "1");
  EXPECT_EQ(raw(records[2], "level"), "\"ERROR\"");
  EXPECT_EQ(raw(records[2], "n"), "2");
  EXPECT_EQ(raw(records[3], "level"), "\"AUDIT\"");
  EXPECT_EQ(raw(records[3], "n"), "3");
  EXPECT_EQ(raw(records[6], "msg"), "\"null pointer\"");
}

TEST(Levels, EventsBelowTheLevelAreFilteredAndCounted) {
  Logger log = Logger::create(test::kCaptureConfig);  // INFO
  EXPECT_FALSE(log.enabled(Level::trace));
  EXPECT_FALSE(log.enabled(Level::debug));
  EXPECT_TRUE(log.enabled(Level::info));
  EXPECT_TRUE(log.enabled(Level::security));

  // Filtered events are not failures.
  EXPECT_EQ(log.debug("dropped by level"), ASYNCLOG_OK);
  EXPECT_EQ(log.info("kept"), ASYNCLOG_OK);
  std::vector<test::Json> records = test::take_records(log);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(raw(records[0], "msg"), "\"kept\"");
  EXPECT_EQ(test::metric(log, "filtered"), 1);
  EXPECT_EQ(test::metric(log, "submitted"), 2);
}

TEST(Levels, SetLevelMovesTheThreshold) {
  Logger log = Logger::create(test::kCaptureConfig);
  log.set_level(Level::error);
  EXPECT_FALSE(log.enabled(Level::warn));
  EXPECT_TRUE(log.enabled(Level::error));
  // Audit and security are never filtered.
  EXPECT_TRUE(log.enabled(Level::audit));

  EXPECT_EQ(log.try_set_level(Level::trace), ASYNCLOG_OK);
  EXPECT_TRUE(log.enabled(Level::trace));
  EXPECT_EQ(log.trace("now kept"), ASYNCLOG_OK);
  EXPECT_EQ(test::take_records(log).size(), 1u);
}

TEST(Levels, AnUnknownLevelIsAnInvalidArgument) {
  Logger log = Logger::create(test::kCaptureConfig);
  const auto bogus = static_cast<Level>(42);
  EXPECT_FALSE(log.enabled(bogus));
  EXPECT_EQ(log.log(bogus, "x"), ASYNCLOG_ERR_INVALID_ARGUMENT);
  EXPECT_NE(asynclog::last_error().find("42"), std::string::npos)
      << asynclog::last_error();
  EXPECT_EQ(log.try_set_level(bogus), ASYNCLOG_ERR_INVALID_ARGUMENT);
  try {
    log.set_level(bogus);
    ADD_FAILURE() << "set_level accepted an unknown level";
  } catch (const asynclog::Error& e) {
    EXPECT_EQ(e.code(), ASYNCLOG_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("level 42"), std::string::npos)
        << e.what();
  }
}

TEST(Levels, ConfiguredLoggerLevelsApplyToNamedChildren) {
  Logger log = Logger::create(R"({"loggers":{"db":{"level":"warn"}},)"
                              R"("sinks":[{"type":"capture","name":"mem"}]})");
  Logger db = log.child("db");
  Logger web = log.child("web");
  EXPECT_FALSE(db.enabled(Level::info));
  EXPECT_TRUE(db.enabled(Level::warn));
  EXPECT_TRUE(web.enabled(Level::info));
}

}  // namespace
