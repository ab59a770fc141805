// support.hpp: what most C++ tests need: a logger with a capture sink,
// its lines as parsed JSON, a metric by path, a scratch directory.

#ifndef ASYNCLOG_CPP_TESTS_SUPPORT_HPP
#define ASYNCLOG_CPP_TESTS_SUPPORT_HPP

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <asynclog/asynclog.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json.hpp"

// Fails the test unless `text` contains `part`, showing both.
#define EXPECT_CONTAINS(text, part)                          \
  EXPECT_NE(std::string(text).find(part), std::string::npos) \
      << "expected to find \"" << (part) << "\" in: " << (text)

namespace test {

// One capture sink named "mem", NDJSON, everything else default.
inline constexpr std::string_view kCaptureConfig =
    R"({"sinks":[{"type":"capture","name":"mem"}]})";

// Long enough for any flush here, short enough to fail fast.
inline constexpr std::chrono::milliseconds kFlushTimeout{30000};

// Splits NDJSON text into lines; every line must end in '\n'.
inline std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      ADD_FAILURE() << "last line has no newline: " << text;
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

// Flushes `logger`, takes its capture `sink` and parses every line; a
// line that is not one JSON object fails the test.
inline std::vector<Json> take_records(const asynclog::Logger& logger,
                                      std::string_view sink = "mem") {
  EXPECT_EQ(logger.try_flush(kFlushTimeout), ASYNCLOG_OK);
  std::string text;
  EXPECT_EQ(logger.try_capture_take(sink, text), ASYNCLOG_OK);
  std::vector<Json> records;
  for (std::string_view line : split_lines(text)) {
    std::optional<Json> record = parse_json(line);
    if (!record || record->type != Json::Type::object) {
      ADD_FAILURE() << "not a JSON object: " << line;
      continue;
    }
    records.push_back(std::move(*record));
  }
  return records;
}

// The in-band notice a sink's stream carries after drops: logger
// "asynclog", msg "events dropped", the count and the reasons.
inline bool is_drop_notice(const Json& record, std::string_view reason) {
  const Json* logger = record.find("logger");
  const Json* msg = record.find("msg");
  const Json* count = record.at(std::string("reasons.") + std::string(reason));
  return logger && logger->string == "asynclog" && msg &&
         msg->string == "events dropped" && count && count->number > 0;
}

// The only record a capture holds; fails unless there is exactly one.
inline Json one_record(const asynclog::Logger& logger) {
  std::vector<Json> records = take_records(logger);
  EXPECT_EQ(records.size(), 1u);
  return records.empty() ? Json{} : records.front();
}

// The raw JSON text of a scalar at `path` of `record`: "\"x\"", "42",
// "true", "null"; "<missing>" when absent.
inline std::string raw(const Json& record, std::string_view path) {
  const Json* v = record.at(path);
  if (!v) return "<missing>";
  switch (v->type) {
    case Json::Type::null:
      return "null";
    case Json::Type::boolean:
      return v->boolean ? "true" : "false";
    case Json::Type::number:
      return v->number_text;
    case Json::Type::string:
      return "\"" + v->string + "\"";
    case Json::Type::array:
      return "<array>";
    case Json::Type::object:
      return "<object>";
  }
  return "<?>";
}

// A number in the metrics document, by path ("dropped.invalid",
// "sinks[0].written"); -1 if absent.
inline double metric(const asynclog::Logger& logger, std::string_view path) {
  std::string json;
  EXPECT_EQ(logger.try_metrics_json(json), ASYNCLOG_OK);
  std::optional<Json> doc = parse_json(json);
  EXPECT_TRUE(doc.has_value()) << json;
  const Json* v = doc ? doc->at(path) : nullptr;
  return v && v->type == Json::Type::number ? v->number : -1;
}

// A new directory under $TMPDIR (or /tmp), removed by the destructor
// with what the test left in it.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = getenv("TMPDIR");
    std::string pattern =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/asynclog-cpp-XXXXXX";
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << pattern;
    path_ = pattern;
  }
  ~ScratchDir() {
    std::string command = "rm -rf '" + path_ + "'";
    if (std::system(command.c_str()) != 0) {
      ADD_FAILURE() << "could not remove " << path_;
    }
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const {
    return path_ + "/" + std::string(name);
  }

 private:
  std::string path_;
};

// A file's whole content.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// A config with one NDJSON file sink at `path`.
inline std::string file_config(const std::string& path) {
  return R"({"sinks":[{"type":"file","name":"file","path":")" + path +
         R"("}]})";
}

}  // namespace test

#endif  // ASYNCLOG_CPP_TESTS_SUPPORT_HPP
