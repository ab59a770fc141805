// spdlog_shim.cpp: the spdlog contender, behind three C functions the
// benchmark calls.
//
// The logger is spdlog's async logger as async_factory makes it: one
// worker thread, a queue of spdlog's default 8192 messages, and the block
// overflow policy, so nothing is lost. It writes to a basic_file_sink.
//
// Each line has the shape the other contenders write:
//   {"ts":"...","level":"INFO","logger":"app","msg":"request handled",
//    "user_id":N,"path":"/api/v1/items","latency_ms":X}
// The pattern writes the timestamp, level and logger name on the worker
// thread; fmt formats the message with its fields on the caller's thread,
// which is how spdlog splits the work. The path is written without JSON
// escaping: the workload's path needs none, and spdlog has no escaper.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

namespace {

// The level in upper case, as the other contenders write it (spdlog's own
// %l flag writes "info").
class UpperLevel final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg &msg, const std::tm &,
              spdlog::memory_buf_t &dest) override {
    static const char *const kNames[] = {"TRACE", "DEBUG", "INFO", "WARN",
                                         "ERROR", "FATAL", "OFF"};
    const char *name = kNames[static_cast<int>(msg.level)];
    dest.append(name, name + std::strlen(name));
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<UpperLevel>();
  }
};

constexpr const char *kPattern =
    R"({"ts":"%Y-%m-%dT%H:%M:%S.%FZ","level":"%*","logger":"%n",%v})";

}  // namespace

extern "C" {

// Opens the async logger writing to `path` (truncated). Returns a handle
// for the calls below, or NULL with a message in `err`.
void *bench_spdlog_open(const char *path, char *err, size_t err_len) {
  try {
    spdlog::init_thread_pool(spdlog::details::default_async_q_size, 1);
    std::shared_ptr<spdlog::logger> logger =
        spdlog::create_async<spdlog::sinks::basic_file_sink_mt>("app", path,
                                                               true);
    auto formatter = std::make_unique<spdlog::pattern_formatter>(
        spdlog::pattern_time_type::utc);
    formatter->add_flag<UpperLevel>('*').set_pattern(kPattern);
    logger->set_formatter(std::move(formatter));
    logger->set_level(spdlog::level::info);
    return new std::shared_ptr<spdlog::logger>(std::move(logger));
  } catch (const std::exception &e) {
    std::snprintf(err, err_len, "spdlog: %s", e.what());
    return nullptr;
  }
}

// Logs one workload event. Safe from any number of threads at once.
void bench_spdlog_log(void *handle, int64_t user_id, const char *path,
                      size_t path_len, double latency_ms) {
  auto &logger = *static_cast<std::shared_ptr<spdlog::logger> *>(handle);
  logger->info(
      R"("msg":"request handled","user_id":{},"path":"{}","latency_ms":{})",
      user_id, fmt::string_view(path, path_len), latency_ms);
}

// Writes everything queued, closes the file and stops the worker thread.
// The handle is freed.
void bench_spdlog_close(void *handle) {
  auto *logger = static_cast<std::shared_ptr<spdlog::logger> *>(handle);
  (*logger)->flush();
  delete logger;
  // Drops the registry's logger and the thread pool; the pool's worker
  // finishes every queued message before it is joined.
  spdlog::shutdown();
}

}  // extern "C"
