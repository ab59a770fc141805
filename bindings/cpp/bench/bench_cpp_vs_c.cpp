// bench_cpp_vs_c: what the C++ wrapper costs over the raw C ABI.
//
// The workload is benches/c's: INFO "request handled" with user_id
// (counting up), path "/api/v1/items" and latency_ms (12.5 + user_id % 7),
// as NDJSON to a file sink, from one thread, through asynclog.h (fields
// built with the asynclog_field_* helpers) or through asynclog.hpp (an
// initializer_list of Fields), in one process.
//
// Part one, continuous runs: each run logs every event through one API,
// from creating the logger to freeing it; runs alternate C, C++, C++,
// C... For each run:
//
//   producer ns/call  wall time of the logging loop / events. Under the
//                     default `block` policy the producer waits when the
//                     queue is full, so this mostly measures the worker.
//   p50 / p99 ns      one call in 64 timed alone (clock_gettime around
//                     it): the cost of the call itself.
//   events/s          end to end: first call until shutdown has written
//                     everything and the handle is freed.
//
// and the median of each API's runs. These move with the worker's speed
// and with whatever else runs on the machine, so part two measures the
// producer alone: one logger, bursts of 40,000 events (below the queue's
// capacity, so no call waits), each into an idle queue (an untimed flush
// between bursts), C and C++ bursts interleaved C, C++, C++, C... so that
// both see the same conditions; it reports ns/call per API over all the
// bursts. Both parts print the C++ overhead in percent.
//
// Every run reads its file back and fails unless every event is there.
//
//   usage: bench_cpp_vs_c [--events N] [--rounds R] [--dir DIR]
//   (default 5,000,000 events per run and per API in part two; 3 rounds
//   of one C and one C++ run; /tmp)

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <asynclog/asynclog.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr char kMessage[] = "request handled";
constexpr char kPath[] = "/api/v1/items";
constexpr std::uint64_t kSampleEvery = 64;

std::uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

double latency_ms(std::int64_t id) {
  return 12.5 + static_cast<double>(id % 7);
}

// One event as a C caller writes it: fields on the stack, one call.
inline asynclog_status log_c(const asynclog_logger* logger, std::int64_t id) {
  asynclog_field fields[3];
  fields[0] = asynclog_field_i64("user_id", id);
  fields[1] = asynclog_field_strn("path", kPath, sizeof kPath - 1);
  fields[2] = asynclog_field_f64("latency_ms", latency_ms(id));
  return asynclog_log(logger, ASYNCLOG_LEVEL_INFO, kMessage,
                      sizeof kMessage - 1, fields, ASYNCLOG_COUNT(fields));
}

// The same event as a C++ caller writes it.
inline asynclog::Status log_cpp(const asynclog::Logger& log, std::int64_t id) {
  return log.info(
      kMessage,
      {{"user_id", id}, {"path", kPath}, {"latency_ms", latency_ms(id)}});
}

enum class Api { c, cpp };

const char* api_name(Api api) {
  return api == Api::c ? "C" : "C++";
}

struct Run {
  Api api;
  double producer_ns;  // per call, loop wall time / events
  std::uint32_t p50_ns, p99_ns;
  double events_per_s;  // end to end
};

constexpr std::int64_t kBurst = 40000;  // below the default capacity, 65,536

std::uint64_t count_lines(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return 0;
  static char buf[1 << 16];
  std::uint64_t lines = 0;
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    lines += static_cast<std::uint64_t>(std::count(buf, buf + n, '\n'));
  }
  std::fclose(f);
  return lines;
}

std::uint32_t percentile(std::vector<std::uint32_t>& v, double q) {
  if (v.empty()) return 0;
  std::size_t rank =
      static_cast<std::size_t>(q * static_cast<double>(v.size()));
  rank = std::min(rank, v.size() - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank),
                   v.end());
  return v[rank];
}

std::uint32_t clamp32(std::uint64_t v) {
  return v > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(v);
}

// The logging loop for one API: every call checked, one in 64 timed.
template <class Log>
bool produce(std::int64_t events, std::vector<std::uint32_t>& samples,
             Log&& log_one) {
  std::uint64_t refused = 0;
  for (std::int64_t id = 0; id < events; ++id) {
    if (static_cast<std::uint64_t>(id) % kSampleEvery == 0) {
      std::uint64_t t0 = now_ns();
      refused += log_one(id) != ASYNCLOG_OK;
      samples.push_back(clamp32(now_ns() - t0));
    } else {
      refused += log_one(id) != ASYNCLOG_OK;
    }
  }
  if (refused) std::fprintf(stderr, "%" PRIu64 " calls refused\n", refused);
  return refused == 0;
}

bool run_once(Api api, std::int64_t events, const std::string& dir, int round,
              Run& out) {
  const std::string path = dir + "/bench_cpp_vs_c-" + std::to_string(getpid()) +
                           "-" + api_name(api) + "-" + std::to_string(round) +
                           ".log";
  const std::string config =
      R"({"name":"app","sinks":[{"type":"file","path":")" + path + R"("}]})";
  std::vector<std::uint32_t> samples;
  samples.reserve(static_cast<std::size_t>(events) / kSampleEvery + 2);

  // Creating the logger is outside the timed part, as in benches/c. Each
  // run goes through one API only, from creation to free.
  std::uint64_t start = 0, produced = 0, end = 0;
  bool ok = true;
  if (api == Api::c) {
    asynclog_logger* logger = nullptr;
    if (asynclog_logger_new(config.data(), config.size(), &logger) !=
        ASYNCLOG_OK) {
      std::fprintf(stderr, "bench_cpp_vs_c: %s\n",
                   asynclog::last_error().c_str());
      return false;
    }
    start = now_ns();
    ok = produce(events, samples,
                 [logger](std::int64_t id) { return log_c(logger, id); });
    produced = now_ns();
    std::uint64_t pending = 0;
    ok =
        asynclog_logger_shutdown(logger, 300000, &pending) == ASYNCLOG_OK && ok;
    asynclog_logger_free(logger);
    end = now_ns();
  } else {
    asynclog::Logger log;
    if (asynclog::Logger::try_create(config, log) != ASYNCLOG_OK) {
      std::fprintf(stderr, "bench_cpp_vs_c: %s\n",
                   asynclog::last_error().c_str());
      return false;
    }
    start = now_ns();
    ok = produce(events, samples,
                 [&log](std::int64_t id) { return log_cpp(log, id); });
    produced = now_ns();
    ok = log.try_shutdown(std::chrono::minutes(5)) == ASYNCLOG_OK && ok;
    log.reset();
    end = now_ns();
  }

  const std::uint64_t lines = count_lines(path);
  unlink(path.c_str());
  if (lines != static_cast<std::uint64_t>(events)) {
    std::fprintf(stderr,
                 "bench_cpp_vs_c: %s run wrote %" PRIu64 " lines of %" PRId64
                 "\n",
                 api_name(api), lines, events);
    ok = false;
  }

  out.api = api;
  out.producer_ns =
      static_cast<double>(produced - start) / static_cast<double>(events);
  out.p50_ns = percentile(samples, 0.50);
  out.p99_ns = percentile(samples, 0.99);
  out.events_per_s =
      static_cast<double>(events) / (static_cast<double>(end - start) / 1e9);
  return ok;
}

// Part two: `events` per API through one logger, in bursts of kBurst, C
// and C++ interleaved, a flush (not timed) after each burst. Stores each
// API's time per call.
bool run_interleaved(std::int64_t events, const std::string& dir, double& c_ns,
                     double& cpp_ns) {
  const std::string path =
      dir + "/bench_cpp_vs_c-" + std::to_string(getpid()) + "-interleaved.log";
  const std::string config =
      R"({"name":"app","sinks":[{"type":"file","path":")" + path + R"("}]})";
  asynclog::Logger log;
  if (asynclog::Logger::try_create(config, log) != ASYNCLOG_OK) {
    std::fprintf(stderr, "bench_cpp_vs_c: %s\n",
                 asynclog::last_error().c_str());
    return false;
  }
  const asynclog_logger* handle = log.native_handle();

  std::uint64_t timed[2] = {0, 0};  // C, C++
  std::uint64_t refused = 0;
  int burst = 0;
  for (std::int64_t first = 0; first < events; first += kBurst, ++burst) {
    const std::int64_t end = std::min(events, first + kBurst);
    // C, C++, C++, C, C, C++...: each API goes first half of the time.
    const bool cpp_first = burst % 4 == 1 || burst % 4 == 2;
    for (int k = 0; k < 2; ++k) {
      const bool cpp = (k == 0) == cpp_first;
      const std::uint64_t t0 = now_ns();
      if (cpp) {
        for (std::int64_t id = first; id < end; ++id) {
          refused += log_cpp(log, id) != ASYNCLOG_OK;
        }
      } else {
        for (std::int64_t id = first; id < end; ++id) {
          refused += log_c(handle, id) != ASYNCLOG_OK;
        }
      }
      timed[cpp ? 1 : 0] += now_ns() - t0;
      refused += log.try_flush(std::chrono::minutes(5)) != ASYNCLOG_OK;
    }
  }
  log.reset();

  const std::uint64_t lines = count_lines(path);
  unlink(path.c_str());
  c_ns = static_cast<double>(timed[0]) / static_cast<double>(events);
  cpp_ns = static_cast<double>(timed[1]) / static_cast<double>(events);
  if (refused || lines != 2 * static_cast<std::uint64_t>(events)) {
    std::fprintf(stderr,
                 "bench_cpp_vs_c: interleaved: %" PRIu64 " refused, %" PRIu64
                 " lines of %" PRId64 "\n",
                 refused, lines, 2 * events);
    return false;
  }
  return true;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The median of one field over one API's runs.
template <class T>
double median_of(const std::vector<Run>& runs, Api api, T Run::*field) {
  std::vector<double> values;
  for (const Run& r : runs) {
    if (r.api == api) values.push_back(static_cast<double>(r.*field));
  }
  return median(values);
}

double percent_more(double value, double base) {
  return (value / base - 1) * 100;
}

void usage() {
  std::fprintf(stderr,
               "usage: bench_cpp_vs_c [--events N] [--rounds R] [--dir DIR]\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t events = 5000000;
  int rounds = 3;
  std::string dir = "/tmp";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--events" && i + 1 < argc) {
      events = std::strtoll(argv[++i], nullptr, 10);
    } else if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      usage();
      return 2;
    }
  }
  if (events <= 0 || rounds <= 0) {
    usage();
    return 2;
  }

  std::printf("asynclog %s, C ABI vs C++ wrapper: %" PRId64
              " events per run, 1 thread, NDJSON file sink in %s\n\n",
              asynclog_version(), events, dir.c_str());
  std::printf("continuous runs, %d rounds, alternating:\n\n", rounds);
  std::printf(
      "| run | API | producer ns/call | p50 ns | p99 ns | events/s |\n");
  std::printf(
      "| --: | --- | ---------------: | -----: | -----: | -------: |\n");

  std::vector<Run> runs;
  bool ok = true;
  int n = 0;
  for (int round = 0; round < rounds; ++round) {
    // C first in even rounds, C++ first in odd ones.
    const Api order[2] = {round % 2 ? Api::cpp : Api::c,
                          round % 2 ? Api::c : Api::cpp};
    for (Api api : order) {
      Run run{};
      ok = run_once(api, events, dir, round, run) && ok;
      runs.push_back(run);
      std::printf("| %3d | %-3s | %16.1f | %6" PRIu32 " | %6" PRIu32
                  " | %8.0f |\n",
                  ++n, api_name(api), run.producer_ns, run.p50_ns, run.p99_ns,
                  run.events_per_s);
      std::fflush(stdout);
    }
  }

  const double c_ns = median_of(runs, Api::c, &Run::producer_ns);
  const double cpp_ns = median_of(runs, Api::cpp, &Run::producer_ns);
  const double c_p50 = median_of(runs, Api::c, &Run::p50_ns);
  const double cpp_p50 = median_of(runs, Api::cpp, &Run::p50_ns);
  const double c_eps = median_of(runs, Api::c, &Run::events_per_s);
  const double cpp_eps = median_of(runs, Api::cpp, &Run::events_per_s);
  std::printf("\nmedians of %d runs each:\n\n", rounds);
  std::printf("| API | producer ns/call | p50 ns | events/s |\n");
  std::printf("| --- | ---------------: | -----: | -------: |\n");
  std::printf("| C   | %16.1f | %6.0f | %8.0f |\n", c_ns, c_p50, c_eps);
  std::printf("| C++ | %16.1f | %6.0f | %8.0f |\n", cpp_ns, cpp_p50, cpp_eps);
  // Overhead: how much more time per event C++ takes (negative: less).
  std::printf(
      "\nC++ overhead, continuous: producer %+.1f%%, p50 %+.1f%%, "
      "end-to-end time per event %+.1f%%\n",
      percent_more(cpp_ns, c_ns), percent_more(cpp_p50, c_p50),
      percent_more(c_eps, cpp_eps));
  std::fflush(stdout);

  double c_burst = 0, cpp_burst = 0;
  ok = run_interleaved(events, dir, c_burst, cpp_burst) && ok;
  std::printf("\nproducer alone: %" PRId64
              " events per API in interleaved "
              "bursts of %" PRId64 ":\n\n",
              events, kBurst);
  std::printf("| API | ns/call |\n| --- | ------: |\n");
  std::printf("| C   | %7.1f |\n| C++ | %7.1f |\n", c_burst, cpp_burst);
  std::printf("\nC++ overhead, producer alone: %+.1f%%\n",
              percent_more(cpp_burst, c_burst));
  return ok ? 0 : 1;
}
