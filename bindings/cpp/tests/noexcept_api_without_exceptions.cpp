// Rule: asynclog.hpp compiles with -fno-exceptions (and -fno-rtti), and
// its noexcept API does all the work there: create, children, logging,
// levels, flush, shutdown, metrics, captures and context scopes, each
// reporting failure through its Status. The throwing calls are absent,
// so code relying on them fails to compile instead of aborting.
//
// A plain program (GoogleTest is built with exceptions): it prints what
// failed and exits non-zero.

#if defined(__cpp_exceptions)
#error "this translation unit must be compiled with -fno-exceptions"
#endif

#include <asynclog/asynclog.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

namespace {

int g_failures = 0;

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                  \
      ++g_failures;                                                         \
    }                                                                       \
  } while (0)

#define CHECK_STATUS(call, expected)                                          \
  do {                                                                        \
    asynclog::Status status_ = (call);                                        \
    if (status_ != (expected)) {                                              \
      std::fprintf(stderr, "%s:%d: %s: got %s (%s), expected %s\n", __FILE__, \
                   __LINE__, #call, asynclog::status_str(status_),            \
                   asynclog::last_error().c_str(),                            \
                   asynclog::status_str(expected));                           \
      ++g_failures;                                                           \
    }                                                                         \
  } while (0)

using asynclog::Logger;
using namespace std::chrono_literals;

template <class T, class = void>
struct has_throwing_create : std::false_type {};
template <class T>
struct has_throwing_create<T,
                           std::void_t<decltype(T::create(std::string_view()))>>
    : std::true_type {};
template <class T, class = void>
struct has_throwing_flush : std::false_type {};
template <class T>
struct has_throwing_flush<
    T, std::void_t<decltype(std::declval<const T&>().flush(1ms))>>
    : std::true_type {};

static_assert(!has_throwing_create<Logger>::value,
              "without exceptions, Logger::create must not exist");
static_assert(!has_throwing_flush<Logger>::value,
              "without exceptions, Logger::flush must not exist");
static_assert(!std::is_constructible_v<asynclog::ContextScope,
                                       std::initializer_list<asynclog::Field>>,
              "without exceptions, only the nothrow ContextScope exists");

constexpr std::string_view kConfig =
    R"({"sinks":[{"type":"capture","name":"mem"}]})";

std::size_t count_lines(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace

int main() {
  Logger bad;
  CHECK_STATUS(Logger::try_create(R"({"sinks":[{"type":"file",)"
                                  R"("path":"relative"}]})",
                                  bad),
               ASYNCLOG_ERR_CONFIG);
  CHECK(asynclog::last_error() == "sinks[0].path: must be an absolute path");
  CHECK(!bad);
  CHECK_STATUS(Logger::try_from_file("/nonexistent.json", bad),
               ASYNCLOG_ERR_CONFIG);

  Logger log;
  CHECK_STATUS(Logger::try_create(kConfig, log), ASYNCLOG_OK);
  Logger child;
  CHECK_STATUS(log.try_child("child", {{"bound", 1}}, child), ASYNCLOG_OK);
  Logger with;
  CHECK_STATUS(log.try_with({{"with", true}}, with), ASYNCLOG_OK);

  CHECK(log.enabled(asynclog::Level::info));
  CHECK_STATUS(log.try_set_level(asynclog::Level::debug), ASYNCLOG_OK);
  CHECK(log.enabled(asynclog::Level::debug));

  std::vector<asynclog::Field> vec{{"v", 1}};
  CHECK_STATUS(
      log.info("list",
               {{"s", "x"}, {"d", 1.5}, asynclog::object("o", {{"n", 1}})}),
      ASYNCLOG_OK);
  CHECK_STATUS(log.debug("container", vec), ASYNCLOG_OK);
  CHECK_STATUS(child.warn("pointer", vec.data(), vec.size()), ASYNCLOG_OK);
  CHECK_STATUS(with.log(asynclog::Level::error, "log"), ASYNCLOG_OK);
  {
    asynclog::ContextScope scope(std::nothrow,
                                 {{asynclog::keys::correlation_id, "c"}});
    CHECK(scope.status() == ASYNCLOG_OK);
    CHECK_STATUS(log.info("in scope"), ASYNCLOG_OK);
  }
  CHECK_STATUS(asynclog::context_clear(), ASYNCLOG_OK);

  std::uint64_t pending = 1;
  CHECK_STATUS(log.try_flush(30s, pending), ASYNCLOG_OK);
  CHECK(pending == 0);
  std::string lines;
  CHECK_STATUS(log.try_capture_take("mem", lines), ASYNCLOG_OK);
  CHECK(count_lines(lines) == 5);
  CHECK(lines.find("\"correlation_id\":\"c\"") != std::string::npos);
  std::string unchanged = "unchanged";
  CHECK_STATUS(log.try_capture_take("nope", unchanged),
               ASYNCLOG_ERR_NO_SUCH_SINK);
  CHECK(unchanged == "unchanged");
  std::string metrics;
  CHECK_STATUS(log.try_metrics_json(metrics), ASYNCLOG_OK);
  CHECK(metrics.find("\"submitted\":5") != std::string::npos);

  CHECK_STATUS(log.try_shutdown(30s, pending), ASYNCLOG_OK);
  CHECK_STATUS(child.info("closed"), ASYNCLOG_ERR_CLOSED);
  CHECK_STATUS(log.try_flush(1s), ASYNCLOG_OK);
  CHECK_STATUS(log.try_shutdown(1s), ASYNCLOG_OK);

  Logger empty = std::move(bad);
  CHECK_STATUS(empty.info("x"), ASYNCLOG_ERR_NULL);

  if (g_failures) {
    std::fprintf(stderr, "%d checks failed\n", g_failures);
    return 1;
  }
  std::puts("noexcept API: all checks passed");
  return 0;
}
