// Rule: logging allocates nothing on the calling thread. This program
// replaces the global operator new with a counting one and logs 10,000
// events with string, integer, double, bool and nested fields through
// every form of the logging API: not one allocation may happen.
//
// Outside the sanitizer builds it also interposes malloc and friends and
// counts what the library behind the C ABI allocates on the producer's
// thread (the worker's allocations are not counted). A record is written
// into its queue slot, which holds 216 bytes inline; only a record larger
// than that spills to the heap. Of the five calls in a round, exactly one
// (the first, with eight fields and a nested object) is that large, so
// the library may allocate twice per round (the spilled bytes and the box
// that holds them) and never otherwise.

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "support.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define ASYNCLOG_CPP_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASYNCLOG_CPP_COUNT_MALLOC 0
#endif
#endif
#ifndef ASYNCLOG_CPP_COUNT_MALLOC
#define ASYNCLOG_CPP_COUNT_MALLOC 1
#endif

namespace {

// Only the thread that sets this counts.
thread_local bool t_counting = false;
std::atomic<long> g_news{0};
std::atomic<long> g_mallocs{0};

void* counted_new(std::size_t size) {
  if (t_counting) g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) {
  return counted_new(size);
}
void* operator new[](std::size_t size) {
  return counted_new(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

#if ASYNCLOG_CPP_COUNT_MALLOC
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);

void* malloc(std::size_t size) {
  if (t_counting) g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  if (t_counting) g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  if (t_counting) g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
int posix_memalign(void** out, std::size_t align, std::size_t size) {
  if (t_counting) g_mallocs.fetch_add(1, std::memory_order_relaxed);
  void* p = __libc_memalign(align, size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void* aligned_alloc(std::size_t align, std::size_t size) {
  if (t_counting) g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(align, size);
}
}
#endif

namespace {

using asynclog::Field;
using asynclog::Level;
using asynclog::Logger;

// Fields per round of log_every_form that reach the C ABI (the filtered
// debug call stops before them): 14 in the first call, nested included,
// then 2 + 2 + 2.
constexpr long kFieldsPerRound = 14 + 2 + 2 + 2;

// Every form of the logging API, once each; returns how many failed.
int log_every_form(const Logger& log, const Logger& child, int i,
                   const std::string& owned) {
  const unsigned char blob[] = {1, 2, 3};
  int failures = 0;
  auto check = [&](asynclog::Status s) { failures += s != ASYNCLOG_OK; };

  check(log.info(
      "request handled",
      {{"user_id", i},
       {"path", "/api/v1/items"},
       {"owned", owned},
       {"latency_ms", 12.5 + i % 7},
       {"cached", i % 2 == 0},
       {"bytes", asynclog::bytes(blob, sizeof blob)},
       {"none", nullptr},
       asynclog::object("http", {{"status", 200u},
                                 {"method", "GET"},
                                 asynclog::array("tags", {"a", 1, 2.5})})}));
  Field fields[] = {{"n", i}, {"s", std::string_view("view")}};
  check(log.warn("pointer form", fields, 2));
  std::array<Field, 2> arr{{{"n", i}, {"f", 0.25}}};
  check(log.log(Level::error, "container form", arr));
  check(child.debug("filtered by level", {{"n", i}}));
  check(child.audit("audit", {{"actor", "admin"}, {"ok", true}}));
  return failures;
}

TEST(HotPath, LoggingAllocatesNothing) {
  Logger log = Logger::create(test::kCaptureConfig);
  Logger child = log.child("child", {{"bound", "yes"}});
  const std::string owned(64, 'o');  // longer than the small-string buffer

  // Warm up: first calls may set up per-thread state.
  for (int i = 0; i < 100; ++i) (void)log_every_form(log, child, i, owned);
  log.flush(test::kFlushTimeout);
  (void)log.capture_take("mem");

  constexpr int kCalls = 10000;
  int failures = 0;
  g_news = 0;
  g_mallocs = 0;
  t_counting = true;
  for (int i = 0; i < kCalls / 5; ++i) {
    failures += log_every_form(log, child, i, owned);
  }
  t_counting = false;
  const long news = g_news.load();
  const long mallocs = g_mallocs.load();

  EXPECT_EQ(failures, 0);
  EXPECT_EQ(news, 0) << "operator new calls during " << kCalls << " logs";
#if ASYNCLOG_CPP_COUNT_MALLOC
  // See the top of this file: one spilled record per round, two
  // allocations each.
  const long bound = 2 * (kCalls / 5);
  EXPECT_LE(mallocs, bound) << "malloc-family calls on the producer thread";
  RecordProperty("producer_mallocs", static_cast<int>(mallocs));
  std::printf(
      "C ABI: %ld malloc calls on the producer thread in %d logs "
      "(%ld fields)\n",
      mallocs, kCalls, kFieldsPerRound * (kCalls / 5));
#else
  (void)mallocs;
#endif

  // And the events are all there (debug ones filtered).
  log.flush(test::kFlushTimeout);
  EXPECT_EQ(test::metric(log, "submitted"), 100 * 5 + kCalls);
  EXPECT_EQ(test::metric(log, "sinks[0].written"), (100 + kCalls / 5) * 4);
}

TEST(HotPath, TheCounterSeesAllocations) {
  // The counter itself works: a vector allocates.
  g_news = 0;
  t_counting = true;
  std::vector<int>* v = new std::vector<int>(100);
  t_counting = false;
  delete v;
  EXPECT_EQ(g_news.load(), 2);
}

}  // namespace
