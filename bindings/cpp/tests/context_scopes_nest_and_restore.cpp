// Rule: a ContextScope adds its fields to every record its thread logs,
// through any logger, while it lives. Scopes nest, an inner key
// overrides an outer one, and closing a scope restores the context as it
// was. Other threads never see it. A bad field throws (or, nothrow,
// leaves the scope inactive), and no scope is opened.

#include <string>
#include <thread>
#include <type_traits>

#include "support.hpp"

namespace {

using asynclog::ContextScope;
using asynclog::Logger;
namespace keys = asynclog::keys;

static_assert(!std::is_copy_constructible_v<ContextScope>);
static_assert(!std::is_move_constructible_v<ContextScope>);
static_assert(!std::is_copy_assignable_v<ContextScope>);
static_assert(!std::is_move_assignable_v<ContextScope>);
static_assert(
    std::is_nothrow_constructible_v<ContextScope, std::nothrow_t,
                                    std::initializer_list<asynclog::Field>>);

// The context keys of one record logged now through `log`; "-" when a
// key is absent.
struct Seen {
  std::string correlation, trace, span, extra;
};

Seen logged(const Logger& log) {
  EXPECT_EQ(log.info("e"), ASYNCLOG_OK);
  test::Json line = test::one_record(log);
  auto get = [&](std::string_view key) {
    const test::Json* v = line.find(key);
    return v ? test::raw(line, key) : std::string("-");
  };
  return {get(keys::correlation_id), get(keys::trace_id), get(keys::span_id),
          get("extra")};
}

#define EXPECT_SEEN(log, c, t, s, x)  \
  do {                                \
    Seen seen = logged(log);          \
    EXPECT_EQ(seen.correlation, (c)); \
    EXPECT_EQ(seen.trace, (t));       \
    EXPECT_EQ(seen.span, (s));        \
    EXPECT_EQ(seen.extra, (x));       \
  } while (0)

TEST(ContextScopes, NestOverrideAndRestore) {
  Logger first = Logger::create(test::kCaptureConfig);
  Logger second = Logger::create(test::kCaptureConfig);
  EXPECT_SEEN(first, "-", "-", "-", "-");
  {
    ContextScope outer{{keys::correlation_id, "c1"},
                       {keys::trace_id, "4bf92f3577b34da6a3ce929d0e0e4736"}};
    ASSERT_TRUE(outer);
    EXPECT_EQ(outer.status(), ASYNCLOG_OK);
    EXPECT_SEEN(first, "\"c1\"", "\"4bf92f3577b34da6a3ce929d0e0e4736\"", "-",
                "-");
    // Any logger of this thread.
    EXPECT_SEEN(second, "\"c1\"", "\"4bf92f3577b34da6a3ce929d0e0e4736\"", "-",
                "-");
    {
      // The inner correlation id overrides (take_records refuses a
      // repeated key), the outer trace id stays.
      ContextScope inner{{keys::correlation_id, "c2"},
                         {keys::span_id, "00f067aa0ba902b7"},
                         {"extra", 7}};
      EXPECT_SEEN(first, "\"c2\"", "\"4bf92f3577b34da6a3ce929d0e0e4736\"",
                  "\"00f067aa0ba902b7\"", "7");
    }
    EXPECT_SEEN(first, "\"c1\"", "\"4bf92f3577b34da6a3ce929d0e0e4736\"", "-",
                "-");
  }
  EXPECT_SEEN(first, "-", "-", "-", "-");
}

TEST(ContextScopes, OtherThreadsNeverSeeAScope) {
  Logger log = Logger::create(test::kCaptureConfig);
  ContextScope scope{{keys::correlation_id, "main"}};
  std::thread([&] {
    EXPECT_SEEN(log, "-", "-", "-", "-");
    ContextScope own{{keys::correlation_id, "worker"}};
    EXPECT_SEEN(log, "\"worker\"", "-", "-", "-");
  }).join();
  EXPECT_SEEN(log, "\"main\"", "-", "-", "-");
}

TEST(ContextScopes, ContextComesWithBoundAndCallFields) {
  Logger log = Logger::create(test::kCaptureConfig);
  Logger child = log.with({{"bound", 1}});
  ContextScope scope{{keys::correlation_id, "c"}};
  EXPECT_EQ(child.info("all three", {{"call", 2}}), ASYNCLOG_OK);
  test::Json line = test::one_record(log);
  EXPECT_EQ(test::raw(line, "correlation_id"), "\"c\"");
  EXPECT_EQ(test::raw(line, "bound"), "1");
  EXPECT_EQ(test::raw(line, "call"), "2");
}

TEST(ContextScopes, FieldsAreCopiedWhenTheScopeOpens) {
  Logger log = Logger::create(test::kCaptureConfig);
  std::string id = "original";
  asynclog::Field fields[] = {{keys::correlation_id, id}};
  ContextScope scope(fields, 1);
  id.assign("overwritten");
  EXPECT_SEEN(log, "\"original\"", "-", "-", "-");
}

TEST(ContextScopes, ABadFieldOpensNoScope) {
  Logger log = Logger::create(test::kCaptureConfig);
  asynclog::Field bad("broken", 1);
  bad.type_ = 99;
  try {
    ContextScope scope{{keys::correlation_id, "never"}, bad};
    ADD_FAILURE() << "no Error thrown";
  } catch (const asynclog::Error& e) {
    EXPECT_EQ(e.code(), ASYNCLOG_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(e.what(), "fields[1]: unknown field type 99");
  }
  EXPECT_SEEN(log, "-", "-", "-", "-");

  ContextScope quiet(std::nothrow, {{keys::correlation_id, "never"}, bad});
  EXPECT_FALSE(quiet);
  EXPECT_EQ(quiet.status(), ASYNCLOG_ERR_INVALID_ARGUMENT);
  EXPECT_SEEN(log, "-", "-", "-", "-");

  asynclog::Field good[] = {{keys::correlation_id, "nothrow"}};
  ContextScope ok(std::nothrow, good, 1);
  EXPECT_TRUE(ok);
  EXPECT_SEEN(log, "\"nothrow\"", "-", "-", "-");
}

TEST(ContextScopes, ClearClosesEveryScopeAndTheirDestructorsStayQuiet) {
  Logger log = Logger::create(test::kCaptureConfig);
  ContextScope outer{{keys::correlation_id, "c"}};
  {
    ContextScope inner{{keys::span_id, "s"}};
    EXPECT_EQ(asynclog::context_clear(), ASYNCLOG_OK);
    EXPECT_SEEN(log, "-", "-", "-", "-");
  }
  // A scope opened after the clear works as usual.
  ContextScope again{{"extra", "x"}};
  EXPECT_SEEN(log, "-", "-", "-", "\"x\"");
}

}  // namespace
