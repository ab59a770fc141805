// Rule: logging never throws. Invalid UTF-8 is replaced and the event
// counted once, an oversized message is truncated and counted, an
// oversized record is dropped as too large, a bad field is refused as an
// invalid argument (its position named in the message), and pre-encoded
// fields are checked before anything is queued. Every drop is counted and
// announced in the stream by an in-band notice. Strings are (pointer, length):
// a NUL inside one is data, not its end.

#include <cstdint>
#include <string>
#include <vector>

#include "support.hpp"

namespace {

using asynclog::Field;
using asynclog::Level;
using asynclog::Logger;
using test::raw;

TEST(BadInput, InvalidUtf8IsReplacedAndCounted) {
  Logger log = Logger::create(test::kCaptureConfig);
  EXPECT_EQ(log.info("bad \xff message",
                     {{"bad\xc3key", "ok"}, {"value", "bad \xe2\x82 value"}}),
            ASYNCLOG_OK);
  // take_records parses the line strictly, UTF-8 included.
  test::Json line = test::one_record(log);
  const std::string replacement = "\xef\xbf\xbd";  // U+FFFD
  EXPECT_EQ(line.at("msg")->string, "bad " + replacement + " message");
  EXPECT_EQ(line.at("value")->string, "bad " + replacement + " value");
  EXPECT_NE(line.find("bad" + replacement + "key"), nullptr);
  EXPECT_EQ(test::metric(log, "invalid_utf8"), 1);  // events, not parts
  EXPECT_EQ(test::metric(log, "sinks[0].written"), 1);
}

TEST(BadInput, ANulInsideAStringIsData) {
  Logger log = Logger::create(test::kCaptureConfig);
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(log.info(with_nul, {{"v", with_nul}}), ASYNCLOG_OK);
  test::Json line = test::one_record(log);
  EXPECT_EQ(line.at("msg")->string, with_nul);
  EXPECT_EQ(line.at("v")->string, with_nul);
}

TEST(BadInput, AnUnknownFieldTypeIsRefusedAndCounted) {
  Logger log = Logger::create(test::kCaptureConfig);
  Field bad("broken", 1);
  bad.type_ = 99;  // only reachable through the C struct
  EXPECT_EQ(log.info("x", {{"fine", 1}, bad}), ASYNCLOG_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(asynclog::last_error(), "fields[1]: unknown field type 99");
  // Only the notice of the drop reaches the sink.
  std::vector<test::Json> records = test::take_records(log);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(test::is_drop_notice(records[0], "invalid"));
  EXPECT_EQ(test::metric(log, "dropped.invalid"), 1);
}

TEST(BadInput, ANullStringWithALengthIsRefused) {
  Logger log = Logger::create(test::kCaptureConfig);
  Field bad("s", std::string_view());
  bad.value.str.len = 4;
  EXPECT_EQ(log.info("x", {{"fine", 1}, bad}), ASYNCLOG_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(asynclog::last_error(), "fields[1].str: NULL with length 4");
  std::vector<test::Json> records = test::take_records(log);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(test::is_drop_notice(records[0], "invalid"));
}

TEST(BadInput, OversizedMessagesAreTruncatedAndOversizedRecordsDropped) {
  Logger log = Logger::create(
      R"({"limits":{"max_message_bytes":16,"max_record_bytes":512},)"
      R"("sinks":[{"type":"capture","name":"mem"}]})");
  const std::string long_message(100, 'm');
  EXPECT_EQ(log.info(long_message), ASYNCLOG_OK);
  test::Json line = test::one_record(log);
  EXPECT_LT(line.at("msg")->string.size(), long_message.size());
  EXPECT_EQ(test::metric(log, "truncated"), 1);

  // Fields that each fit but together pass max_record_bytes. (A value
  // is truncated at max_message_bytes too: keep those 16 bytes apart.)
  const std::string chunk(16, 'v');
  static const char* const keys[] = {"a", "b", "c", "d", "e", "f", "g", "h",
                                     "i", "j", "k", "l", "m", "n", "o", "p",
                                     "q", "r", "s", "t", "u", "v", "w", "x"};
  std::vector<Field> fields;
  for (const char* key : keys) fields.emplace_back(key, chunk);
  EXPECT_EQ(log.info("too large", fields), ASYNCLOG_ERR_TOO_LARGE);
  EXPECT_CONTAINS(asynclog::last_error(), "max_record_bytes");
  EXPECT_EQ(test::metric(log, "dropped.too_large"), 1);
  std::vector<test::Json> records = test::take_records(log);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(test::is_drop_notice(records[0], "too_large"));
}

// TLV encoding, as asynclog.h documents it: tag, u16 key length, key,
// payload; integers little-endian.
void put_key(std::vector<std::uint8_t>& out, std::uint8_t tag,
             std::string_view key) {
  out.push_back(tag);
  out.push_back(static_cast<std::uint8_t>(key.size() & 0xff));
  out.push_back(static_cast<std::uint8_t>(key.size() >> 8));
  out.insert(out.end(), key.begin(), key.end());
}

void put_le(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
}

TEST(BadInput, PreEncodedFieldsAreCheckedBeforeQueueing) {
  Logger log = Logger::create(test::kCaptureConfig);
  std::vector<std::uint8_t> tlv;
  put_key(tlv, 0x04, "n");  // i64
  put_le(tlv, static_cast<std::uint64_t>(-5), 8);
  put_key(tlv, 0x07, "s");  // string
  put_le(tlv, 2, 4);
  tlv.push_back('h');
  tlv.push_back('i');
  EXPECT_EQ(log.log_encoded(Level::warn, "encoded", tlv.data(), tlv.size()),
            ASYNCLOG_OK);
  test::Json line = test::one_record(log);
  EXPECT_EQ(raw(line, "level"), "\"WARN\"");
  EXPECT_EQ(raw(line, "n"), "-5");
  EXPECT_EQ(raw(line, "s"), "\"hi\"");

  std::vector<std::uint8_t> cut(tlv.begin(), tlv.end() - 1);
  EXPECT_EQ(log.log_encoded(Level::info, "cut", cut.data(), cut.size()),
            ASYNCLOG_ERR_INVALID_RECORD);
  EXPECT_CONTAINS(asynclog::last_error(), "offset");
  std::vector<test::Json> records = test::take_records(log);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(test::is_drop_notice(records[0], "invalid"));
  EXPECT_EQ(test::metric(log, "dropped.invalid"), 1);
}

}  // namespace
