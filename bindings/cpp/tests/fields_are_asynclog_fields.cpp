// Rule: a Field is an asynclog_field byte for byte, its C++ value type
// picks the field type (a string literal is a string, never a bool), and
// every type reaches the NDJSON line as the JSON value it names, nested
// objects and arrays included.

// asynclog.h first, on purpose: asynclog.hpp must not include it again.
#include <asynclog.h>

#include <array>
#include <climits>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "support.hpp"

namespace {

using asynclog::Field;
using asynclog::Value;
using test::raw;

static_assert(sizeof(Field) == sizeof(asynclog_field));
static_assert(std::is_base_of_v<asynclog_field, Field>);
static_assert(std::is_convertible_v<const Field*, const asynclog_field*>);
static_assert(std::is_trivially_copyable_v<Field>);
static_assert(std::is_nothrow_constructible_v<Field, std::string_view, int>);

// Neither a character nor a pointer silently becomes a number or a bool.
static_assert(!std::is_constructible_v<Field, std::string_view, char>);
static_assert(!std::is_constructible_v<Field, std::string_view, int*>);
static_assert(!std::is_constructible_v<Field, std::string_view, void*>);
// A key alone is not a field: {"a", "b"} must not become two fields.
static_assert(!std::is_convertible_v<const char*, Field>);
static_assert(std::is_convertible_v<const char*, Value>);

TEST(Fields, EachCppTypePicksItsFieldType) {
  std::string owned = "owned";
  char mutable_text[] = "mutable";
  const char* null_text = nullptr;
  unsigned char blob[] = {0, 1, 0xff};

  EXPECT_EQ(Field("k", "literal").type(), ASYNCLOG_FIELD_STR);
  EXPECT_EQ(Field("k", mutable_text).type(), ASYNCLOG_FIELD_STR);
  EXPECT_EQ(Field("k", owned).type(), ASYNCLOG_FIELD_STR);
  EXPECT_EQ(Field("k", std::string_view("view")).type(), ASYNCLOG_FIELD_STR);
  EXPECT_EQ(Field("k", null_text).type(), ASYNCLOG_FIELD_STR);
  EXPECT_EQ(Field("k", null_text).value.str.len, 0u);

  EXPECT_EQ(Field("k", static_cast<signed char>(-1)).type(),
            ASYNCLOG_FIELD_I64);
  EXPECT_EQ(Field("k", short{-1}).type(), ASYNCLOG_FIELD_I64);
  EXPECT_EQ(Field("k", -1).type(), ASYNCLOG_FIELD_I64);
  EXPECT_EQ(Field("k", -1L).type(), ASYNCLOG_FIELD_I64);
  EXPECT_EQ(Field("k", INT64_MIN).value.i64, INT64_MIN);

  EXPECT_EQ(Field("k", static_cast<unsigned char>(1)).type(),
            ASYNCLOG_FIELD_U64);
  EXPECT_EQ(Field("k", 1u).type(), ASYNCLOG_FIELD_U64);
  EXPECT_EQ(Field("k", std::size_t{1}).type(), ASYNCLOG_FIELD_U64);
  EXPECT_EQ(Field("k", UINT64_MAX).value.u64, UINT64_MAX);

  EXPECT_EQ(Field("k", 1.5f).type(), ASYNCLOG_FIELD_F64);
  EXPECT_EQ(Field("k", 1.5).value.f64, 1.5);
  EXPECT_EQ(Field("k", true).type(), ASYNCLOG_FIELD_BOOL);
  EXPECT_EQ(Field("k", nullptr).type(), ASYNCLOG_FIELD_NULL);
  EXPECT_EQ(Field("k", asynclog::bytes(blob, 3)).type(), ASYNCLOG_FIELD_BYTES);
  EXPECT_EQ(Field().type(), ASYNCLOG_FIELD_NULL);
  EXPECT_EQ(Field().key_len, 0u);

  Field f("the key", 1);
  EXPECT_EQ(f.key_view(), "the key");
  EXPECT_EQ(&f.raw(), static_cast<const asynclog_field*>(&f));
}

TEST(Fields, ChildrenAreBorrowedNotCopied) {
  Field children[] = {{"a", 1}, {"b", 2}};
  Field object = asynclog::object("o", children, 2);
  EXPECT_EQ(object.type(), ASYNCLOG_FIELD_OBJECT);
  EXPECT_EQ(object.value.children.ptr, children);
  EXPECT_EQ(object.value.children.len, 2u);

  std::vector<Value> items{1, "two"};
  Field array = asynclog::array("a", items);
  EXPECT_EQ(array.type(), ASYNCLOG_FIELD_ARRAY);
  EXPECT_EQ(array.value.children.ptr, items.data());
  EXPECT_EQ(array.value.children.len, 2u);
}

TEST(Fields, EveryScalarIsWrittenAsItsJsonValue) {
  auto log = asynclog::Logger::create(test::kCaptureConfig);
  std::string owned = "owned";
  char mutable_text[] = "mutable";
  const unsigned char blob[] = {0x00, 0x01, 0x02, 0xff};
  const char ctl[] = "tab\t nl\n quote\" back\\";

  EXPECT_EQ(log.info("scalars", {{"literal", "lit"},
                                 {"mutable", mutable_text},
                                 {"owned", owned},
                                 {"temporary", std::string("temp")},
                                 {"view", std::string_view("view")},
                                 {"ctl", std::string_view(ctl, sizeof ctl - 1)},
                                 {"min", INT64_MIN},
                                 {"max", INT64_MAX},
                                 {"i8", static_cast<std::int8_t>(-8)},
                                 {"umax", UINT64_MAX},
                                 {"u16", static_cast<std::uint16_t>(65535)},
                                 {"tenth", 0.1},
                                 {"float", 0.5f},
                                 {"yes", true},
                                 {"no", false},
                                 {"nothing", nullptr},
                                 {"blob", asynclog::bytes(blob, sizeof blob)},
                                 {"empty_blob", asynclog::bytes(nullptr, 0)}}),
            ASYNCLOG_OK);

  test::Json line = test::one_record(log);
  EXPECT_EQ(raw(line, "msg"), "\"scalars\"");
  EXPECT_EQ(raw(line, "level"), "\"INFO\"");
  EXPECT_EQ(raw(line, "literal"), "\"lit\"");
  EXPECT_EQ(raw(line, "mutable"), "\"mutable\"");
  EXPECT_EQ(raw(line, "owned"), "\"owned\"");
  EXPECT_EQ(raw(line, "temporary"), "\"temp\"");
  EXPECT_EQ(raw(line, "view"), "\"view\"");
  EXPECT_EQ(line.at("ctl")->string, std::string(ctl));
  EXPECT_EQ(raw(line, "min"), "-9223372036854775808");
  EXPECT_EQ(raw(line, "max"), "9223372036854775807");
  EXPECT_EQ(raw(line, "i8"), "-8");
  EXPECT_EQ(raw(line, "umax"), "18446744073709551615");
  EXPECT_EQ(raw(line, "u16"), "65535");
  EXPECT_EQ(line.at("tenth")->number, 0.1);
  EXPECT_EQ(line.at("float")->number, 0.5);
  EXPECT_EQ(raw(line, "yes"), "true");
  EXPECT_EQ(raw(line, "no"), "false");
  EXPECT_EQ(raw(line, "nothing"), "null");
  EXPECT_EQ(raw(line, "blob"), "\"AAEC/w==\"");
  EXPECT_EQ(raw(line, "empty_blob"), "\"\"");
}

TEST(Fields, ObjectsAndArraysNestInsideOneCall) {
  auto log = asynclog::Logger::create(test::kCaptureConfig);
  const unsigned char blob[] = {0xff};

  EXPECT_EQ(
      log.info("nested",
               {asynclog::object(
                    "http", {{"status", 200},
                             {"path", "/api/v1/items"},
                             asynclog::object("client", {{"ip", "10.0.0.1"}}),
                             asynclog::array("tags", {"a", "b"})}),
                asynclog::array(
                    "mixed",
                    {1, -2, 3u, 4.5, true, nullptr, "six", std::string("seven"),
                     asynclog::bytes(blob, 1), asynclog::object("", {{"x", 1}}),
                     asynclog::array("", {1, 2})}),
                asynclog::object("empty_object", {}),
                asynclog::array("empty_array", {})}),
      ASYNCLOG_OK);

  test::Json line = test::one_record(log);
  EXPECT_EQ(raw(line, "http.status"), "200");
  EXPECT_EQ(raw(line, "http.path"), "\"/api/v1/items\"");
  EXPECT_EQ(raw(line, "http.client.ip"), "\"10.0.0.1\"");
  EXPECT_EQ(raw(line, "http.tags[1]"), "\"b\"");
  EXPECT_EQ(raw(line, "mixed[0]"), "1");
  EXPECT_EQ(raw(line, "mixed[1]"), "-2");
  EXPECT_EQ(raw(line, "mixed[2]"), "3");
  EXPECT_EQ(raw(line, "mixed[3]"), "4.5");
  EXPECT_EQ(raw(line, "mixed[4]"), "true");
  EXPECT_EQ(raw(line, "mixed[5]"), "null");
  EXPECT_EQ(raw(line, "mixed[6]"), "\"six\"");
  EXPECT_EQ(raw(line, "mixed[7]"), "\"seven\"");
  EXPECT_EQ(raw(line, "mixed[8]"), "\"/w==\"");
  EXPECT_EQ(raw(line, "mixed[9].x"), "1");
  EXPECT_EQ(raw(line, "mixed[10][1]"), "2");
  EXPECT_EQ(line.at("empty_object")->type, test::Json::Type::object);
  EXPECT_TRUE(line.at("empty_object")->members.empty());
  EXPECT_EQ(line.at("empty_array")->type, test::Json::Type::array);
  EXPECT_TRUE(line.at("empty_array")->items.empty());
}

TEST(Fields, ContainersOfFieldsGoStraightToTheCall) {
  auto log = asynclog::Logger::create(test::kCaptureConfig);
  std::vector<Field> vec{{"v", 1}};
  std::array<Field, 2> arr{{{"a", 1}, {"b", 2}}};
  Field c_array[] = {{"c", 3}};
  std::vector<Field> children{{"x", 1}};
  std::array<Value, 2> items{{1, "two"}};
  Field nested[] = {asynclog::object("obj", children),
                    asynclog::array("arr", items)};

  EXPECT_EQ(log.info("vector", vec), ASYNCLOG_OK);
  EXPECT_EQ(log.info("std::array", arr), ASYNCLOG_OK);
  EXPECT_EQ(log.info("C array", c_array), ASYNCLOG_OK);
  EXPECT_EQ(log.info("pointer", c_array, 1), ASYNCLOG_OK);
  EXPECT_EQ(log.info("containers", nested), ASYNCLOG_OK);

  std::vector<test::Json> records = test::take_records(log);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(raw(records[0], "v"), "1");
  EXPECT_EQ(raw(records[1], "b"), "2");
  EXPECT_EQ(raw(records[2], "c"), "3");
  EXPECT_EQ(raw(records[3], "c"), "3");
  EXPECT_EQ(raw(records[4], "obj.x"), "1");
  EXPECT_EQ(raw(records[4], "arr[1]"), "\"two\"");
}

TEST(Fields, PointerAndCountFormsOfObjectAndArray) {
  auto log = asynclog::Logger::create(test::kCaptureConfig);
  Field children[] = {{"x", 1}};
  Value items[] = {true};
  EXPECT_EQ(log.info("raw", {asynclog::object("o", children, 1),
                             asynclog::array("a", items, 1)}),
            ASYNCLOG_OK);
  test::Json line = test::one_record(log);
  EXPECT_EQ(raw(line, "o.x"), "1");
  EXPECT_EQ(raw(line, "a[0]"), "true");
}

}  // namespace
