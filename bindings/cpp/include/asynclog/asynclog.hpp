// asynclog.hpp: asynclog for C++17, header-only, over the C ABI in
// asynclog.h.
//
//   auto log = asynclog::Logger::create();          // NDJSON to stdout
//   log.info("request handled", {{"user_id", 42},
//                                {"path", "/api/v1/items"},
//                                {"latency_ms", 12.5}});
//
// Lifetimes. A Field borrows: its key, a string value, bytes and the
// children of object() and array() are pointers, not copies. A field is
// read only during the call it is passed to, and nothing is kept after
// it returns, so a field built inside the call (in the braces of an
// initializer_list) is always safe: the list's backing array and every
// temporary in it live until the end of the full-expression, which
// covers the whole call. A Field stored in a variable must not outlive
// the strings and the child lists it points to:
//
//   log.info("ok", {{"name", user.name()}});    // fine: the temporary
//                                               // string outlives the call
//   asynclog::Field f{"name", user.name()};     // dangles at the ';'
//
// Errors. The default API throws asynclog::Error, which carries the
// status and the library's message (`sinks[0].path: must be an absolute
// path`). Every throwing call has a noexcept twin named try_...() that
// returns an asynclog::Status and writes its result to an out-parameter
// only on success. Logging calls never throw: they return a Status, and
// a dropped event is counted in the metrics whether or not the caller
// looks. flush() and shutdown() throw when their time runs out
// (ASYNCLOG_ERR_TIMEOUT, with Error::pending()). An empty (default-
// constructed or moved-from) Logger answers ASYNCLOG_ERR_NULL, or throws
// it. Built with -fno-exceptions, the throwing calls are not declared
// at all, so code that relies on them fails to compile rather than
// aborting at run time.
//
// Threads. Any number of threads may call the const members of one
// Logger at once. Moving, assigning and destroying a Logger need the
// caller's exclusive access, as for any C++ object.
//
// Exit. The destructor frees the handle; freeing a logger's last handle
// (the logger and all its children) drains every sink, waiting up to the
// configured shutdown_timeout (default 5 s) and counting what was not
// written. A Logger with static storage duration therefore drains when
// main returns or exit() is called; _exit(), quick_exit(), abort() and
// crashes skip destructors and lose what is still queued, so call
// flush() first where that matters.

#ifndef ASYNCLOG_ASYNCLOG_HPP
#define ASYNCLOG_ASYNCLOG_HPP

// asynclog.h defines its inline field helpers after its include guard, so
// a second inclusion redefines them: include it only if nobody has. (So
// include asynclog.h before this header, or not at all; after it fails.)
#ifndef ASYNCLOG_H
#include <asynclog.h>
#endif

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

static_assert(ASYNCLOG_VERSION_MAJOR == 0,
              "asynclog.hpp is written for the 0.x C ABI");

namespace asynclog {

// The result of a call: the C enum itself, so that values compare with
// the ASYNCLOG_* constants and Error::code() needs no conversion.
using Status = asynclog_status;

// A static description of a status, such as "configuration refused".
inline const char* status_str(Status status) noexcept {
  return asynclog_status_str(static_cast<std::int32_t>(status));
}

// The library's version, such as "0.1.0".
inline std::string_view version() noexcept {
  return asynclog_version();
}

// The calling thread's last error message, empty if there was none. The
// message belongs to the most recent failed call on this thread.
inline std::string last_error();

// The level of an event, numbered as the ASYNCLOG_LEVEL_* values.
enum class Level : asynclog_level {
  trace = ASYNCLOG_LEVEL_TRACE,
  debug = ASYNCLOG_LEVEL_DEBUG,
  info = ASYNCLOG_LEVEL_INFO,
  warn = ASYNCLOG_LEVEL_WARN,
  error = ASYNCLOG_LEVEL_ERROR,
  // Logging at fatal does not exit.
  fatal = ASYNCLOG_LEVEL_FATAL,
  // Never filtered or sampled, and by default never dropped.
  audit = ASYNCLOG_LEVEL_AUDIT,
  security = ASYNCLOG_LEVEL_SECURITY,
};

// The error the throwing API raises: the status of the failed call and
// the library's message for it (what()). For ASYNCLOG_ERR_TIMEOUT,
// pending() says how many events were not yet written.
class Error : public std::runtime_error {
 public:
  Error(Status code, const std::string& message, std::uint64_t pending = 0)
      : std::runtime_error(message), code_(code), pending_(pending) {}

  Status code() const noexcept { return code_; }
  std::uint64_t pending() const noexcept { return pending_; }

 private:
  Status code_;
  std::uint64_t pending_;
};

// Well-known context keys (see ContextScope).
namespace keys {
inline constexpr std::string_view correlation_id = "correlation_id";
inline constexpr std::string_view trace_id = "trace_id";
inline constexpr std::string_view span_id = "span_id";
}  // namespace keys

// A run of raw bytes for a field value, written as base64 by the text
// encoders. Borrowed like every other field value.
struct Bytes {
  const void* data;
  std::size_t size;
};

inline constexpr Bytes bytes(const void* data, std::size_t size) noexcept {
  return Bytes{data, size};
}

class Field;

namespace detail {

template <class T>
inline constexpr bool is_char_v =
    std::is_same_v<T, char> || std::is_same_v<T, wchar_t> ||
#if defined(__cpp_char8_t)
    std::is_same_v<T, char8_t> ||
#endif
    std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t>;

// Signed integers are written as I64, unsigned ones as U64. Character
// types are neither: 'x' would otherwise log as 120. (signed char and
// unsigned char, that is int8_t and uint8_t, are integers.)
template <class T>
using if_signed = std::enable_if_t<
    std::is_integral_v<T> && std::is_signed_v<T> && !is_char_v<T>, int>;
template <class T>
using if_unsigned =
    std::enable_if_t<std::is_integral_v<T> && std::is_unsigned_v<T> &&
                         !std::is_same_v<T, bool> && !is_char_v<T>,
                     int>;
template <class T>
using if_floating = std::enable_if_t<std::is_floating_point_v<T>, int>;
// Only bool itself: a pointer must not turn into `true`.
template <class T>
using if_bool = std::enable_if_t<std::is_same_v<T, bool>, int>;

template <class C, class = void>
struct is_field_range : std::false_type {};
template <class C>
struct is_field_range<
    C, std::void_t<decltype(std::data(std::declval<const C&>())),
                   decltype(std::size(std::declval<const C&>()))>>
    : std::is_convertible<decltype(std::data(std::declval<const C&>())),
                          const Field*> {};

// Any contiguous range of fields with std::data and std::size: an array,
// std::vector<Field>, std::array<Field, N>, a span.
template <class C>
using if_field_range = std::enable_if_t<is_field_range<C>::value, int>;

struct typed_t {};

inline std::uint64_t millis(std::chrono::milliseconds timeout) noexcept {
  return timeout.count() < 0 ? 0 : static_cast<std::uint64_t>(timeout.count());
}

// Reads a library string under the ask-for-the-size protocol: a first
// call with no buffer says how long it is, the second copies it; if it
// grew in between, ask again. `out` is written only on success.
template <class Call>
Status read_string(Call&& call, std::string& out) {
  std::size_t need = 0;
  Status status = call(nullptr, 0, &need);
  std::string text;
  while (status == ASYNCLOG_ERR_BUFFER_TOO_SMALL) {
    text.resize(need);
    std::size_t len = 0;
    // size() + 1: the NUL goes where std::string keeps its terminator.
    status = call(text.data(), text.size() + 1, &len);
    if (status == ASYNCLOG_OK) {
      text.resize(len);
      out = std::move(text);
    }
    need = len;
  }
  return status;
}

#if defined(__cpp_exceptions)
[[noreturn]] inline void throw_error(Status status, std::uint64_t pending = 0) {
  std::string message = last_error();
  if (message.empty()) {
    message = status_str(status);
  }
  throw Error(status, message, pending);
}

inline void check(Status status, std::uint64_t pending = 0) {
  if (status != ASYNCLOG_OK) {
    throw_error(status, pending);
  }
}
#endif

}  // namespace detail

inline std::string last_error() {
  std::string message;
  (void)detail::read_string(
      [](char* buf, std::size_t len, std::size_t* len_out) {
        return asynclog_last_error(buf, len, len_out);
      },
      message);
  return message;
}

// One key and its typed value. A Field IS an asynclog_field (same size
// and layout, no members of its own), so an initializer_list<Field> or
// an array of them goes to the C ABI as it is, without a copy. Building
// one allocates nothing; see the top of this file for what it borrows.
//
// The value's C++ type picks the field type: string_view, std::string and
// const char* (NULL logs as "") are STR; signed integers I64; unsigned
// integers U64; float and double F64; bool (only bool) BOOL; nullptr
// NULL; asynclog::bytes() BYTES; asynclog::object() and asynclog::array()
// build OBJECT and ARRAY fields. Keys are UTF-8; a key given as
// const char* must not be NULL.
class Field : public asynclog_field {
 public:
  // A NULL value with an empty key, to fill arrays of fields.
  Field() noexcept : asynclog_field{} {}

  Field(std::string_view name, std::string_view text) noexcept
      : Field(detail::typed_t{}, name, ASYNCLOG_FIELD_STR) {
    value.str = asynclog_str{text.data(), text.size()};
  }
  // Without this overload, a string literal would choose bool.
  Field(std::string_view name, const char* text) noexcept
      : Field(name, text ? std::string_view(text) : std::string_view()) {}
  Field(std::string_view name, const std::string& text) noexcept
      : Field(name, std::string_view(text)) {}

  template <class T, detail::if_signed<T> = 0>
  Field(std::string_view name, T number) noexcept
      : Field(detail::typed_t{}, name, ASYNCLOG_FIELD_I64) {
    value.i64 = static_cast<std::int64_t>(number);
  }
  template <class T, detail::if_unsigned<T> = 0>
  Field(std::string_view name, T number) noexcept
      : Field(detail::typed_t{}, name, ASYNCLOG_FIELD_U64) {
    value.u64 = static_cast<std::uint64_t>(number);
  }
  template <class T, detail::if_floating<T> = 0>
  Field(std::string_view name, T number) noexcept
      : Field(detail::typed_t{}, name, ASYNCLOG_FIELD_F64) {
    value.f64 = static_cast<double>(number);
  }
  template <class T, detail::if_bool<T> = 0>
  Field(std::string_view name, T flag) noexcept
      : Field(detail::typed_t{}, name, ASYNCLOG_FIELD_BOOL) {
    value.boolean = flag;
  }
  Field(std::string_view name, std::nullptr_t) noexcept
      : Field(detail::typed_t{}, name, ASYNCLOG_FIELD_NULL) {}
  Field(std::string_view name, Bytes data) noexcept
      : Field(detail::typed_t{}, name, ASYNCLOG_FIELD_BYTES) {
    value.bytes = asynclog_str{static_cast<const char*>(data.data), data.size};
  }

  // The key, as given.
  std::string_view key_view() const noexcept {
    return std::string_view(key, key_len);
  }
  // One of the ASYNCLOG_FIELD_* values.
  asynclog_field_type type() const noexcept { return type_; }

  // The C struct, for calls into asynclog.h directly.
  const asynclog_field& raw() const noexcept { return *this; }

 protected:
  Field(detail::typed_t, std::string_view name,
        asynclog_field_type type) noexcept
      : asynclog_field{} {
    key = name.data();
    key_len = name.size();
    type_ = type;
  }

  friend Field object(std::string_view, const Field*, std::size_t) noexcept;
  friend Field array(std::string_view, const Field*, std::size_t) noexcept;
};

// An element of asynclog::array(): a Field without a key (the C ABI
// ignores the keys of array elements), converted implicitly from any
// value a Field takes, or from a Field (an object, an array, bytes).
class Value : public Field {
 public:
  Value(std::string_view text) noexcept : Field(std::string_view(), text) {}
  Value(const char* text) noexcept : Field(std::string_view(), text) {}
  Value(const std::string& text) noexcept : Field(std::string_view(), text) {}
  template <class T, detail::if_signed<T> = 0>
  Value(T number) noexcept : Field(std::string_view(), number) {}
  template <class T, detail::if_unsigned<T> = 0>
  Value(T number) noexcept : Field(std::string_view(), number) {}
  template <class T, detail::if_floating<T> = 0>
  Value(T number) noexcept : Field(std::string_view(), number) {}
  template <class T, detail::if_bool<T> = 0>
  Value(T flag) noexcept : Field(std::string_view(), flag) {}
  Value(std::nullptr_t) noexcept : Field(std::string_view(), nullptr) {}
  Value(Bytes data) noexcept : Field(std::string_view(), data) {}
  Value(const Field& field) noexcept : Field(field) {}
};

static_assert(sizeof(Field) == sizeof(asynclog_field) &&
                  alignof(Field) == alignof(asynclog_field),
              "a Field must be an asynclog_field, byte for byte");
static_assert(sizeof(Value) == sizeof(asynclog_field) &&
                  alignof(Value) == alignof(asynclog_field),
              "a Value must be an asynclog_field, byte for byte");
static_assert(std::is_standard_layout_v<Field> &&
                  std::is_trivially_copyable_v<Field> &&
                  std::is_standard_layout_v<Value> &&
                  std::is_trivially_copyable_v<Value>,
              "arrays of fields are handed to C as they are");

// A nested object of keyed fields. The children are borrowed, not
// copied: built inside the logging call, as in
//   log.info("req", {asynclog::object("http", {{"status", 200}})});
// they live until the end of that call's full-expression.
inline Field object(std::string_view name, const Field* children,
                    std::size_t count) noexcept {
  Field field(detail::typed_t{}, name, ASYNCLOG_FIELD_OBJECT);
  field.value.children = asynclog_fields{children, count};
  return field;
}
inline Field object(std::string_view name,
                    std::initializer_list<Field> children) noexcept {
  return object(name, children.begin(), children.size());
}
template <class Fields, detail::if_field_range<Fields> = 0>
Field object(std::string_view name, const Fields& children) noexcept {
  return object(name, std::data(children), std::size(children));
}

// A nested array: {1, "two", nullptr, asynclog::object("", {...})}.
// Borrowed like object()'s children; the items' keys are ignored.
inline Field array(std::string_view name, const Field* items,
                   std::size_t count) noexcept {
  Field field(detail::typed_t{}, name, ASYNCLOG_FIELD_ARRAY);
  field.value.children = asynclog_fields{items, count};
  return field;
}
inline Field array(std::string_view name,
                   std::initializer_list<Value> items) noexcept {
  return array(name, items.begin(), items.size());
}
template <class Items, detail::if_field_range<Items> = 0>
Field array(std::string_view name, const Items& items) noexcept {
  return array(name, std::data(items), std::size(items));
}

// A logger handle: RAII and move-only. The destructor frees the handle;
// freeing the last handle of a logger drains it (see the top of this
// file). A default-constructed or moved-from Logger is empty: its calls
// return ASYNCLOG_ERR_NULL (or throw an Error with that code), enabled()
// is false, and destroying it does nothing.
class Logger {
 public:
  Logger() noexcept = default;
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;
  Logger(Logger&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  // Frees (and, if it was the last handle, drains) the logger held
  // before, then takes `other`'s.
  Logger& operator=(Logger&& other) noexcept {
    if (this != &other) {
      reset(std::exchange(other.handle_, nullptr));
    }
    return *this;
  }
  ~Logger() { asynclog_logger_free(handle_); }

  // Takes ownership of a handle from the C API (NULL gives an empty
  // Logger).
  static Logger adopt(asynclog_logger* handle) noexcept {
    Logger logger;
    logger.handle_ = handle;
    return logger;
  }

  // Creates a logger from a JSON or TOML document; an empty one selects
  // the embedded default (NDJSON to stdout at INFO). On failure returns
  // ASYNCLOG_ERR_CONFIG (the message names the key path) or
  // ASYNCLOG_ERR_IO, and leaves `out` as it was; on success frees what
  // `out` held.
  [[nodiscard]] static Status try_create(std::string_view config,
                                         Logger& out) noexcept {
    asynclog_logger* handle = nullptr;
    // NULL and 0 select the default; "" alone would be parsed.
    const char* text = config.empty() ? nullptr : config.data();
    Status status = asynclog_logger_new(text, config.size(), &handle);
    if (status == ASYNCLOG_OK) {
      out.reset(handle);
    }
    return status;
  }
  // As try_create, from a `.json` or `.toml` file; errors name the file.
  [[nodiscard]] static Status try_from_file(std::string_view path,
                                            Logger& out) noexcept {
    asynclog_logger* handle = nullptr;
    Status status = asynclog_logger_new_from_file(
        path.data() ? path.data() : "", path.size(), &handle);
    if (status == ASYNCLOG_OK) {
      out.reset(handle);
    }
    return status;
  }

  // A child handle, named `name` (its level comes from `loggers` in the
  // config, if listed there), adding `fields` to each of its records.
  // The fields are copied. The child shares the queue and the sinks, and
  // may outlive this handle.
  [[nodiscard]] Status try_child(std::string_view name, const Field* fields,
                                 std::size_t count,
                                 Logger& out) const noexcept {
    return make_child(name.data() ? name.data() : "", name.size(), fields,
                      count, out);
  }
  [[nodiscard]] Status try_child(std::string_view name,
                                 std::initializer_list<Field> fields,
                                 Logger& out) const noexcept {
    return try_child(name, fields.begin(), fields.size(), out);
  }
  // A child with this handle's name and `fields` added.
  [[nodiscard]] Status try_with(const Field* fields, std::size_t count,
                                Logger& out) const noexcept {
    return make_child(nullptr, 0, fields, count, out);
  }
  [[nodiscard]] Status try_with(std::initializer_list<Field> fields,
                                Logger& out) const noexcept {
    return try_with(fields.begin(), fields.size(), out);
  }

#if defined(__cpp_exceptions)
  // Throws Error (ASYNCLOG_ERR_CONFIG or ASYNCLOG_ERR_IO).
  [[nodiscard]] static Logger create(std::string_view config = {}) {
    Logger logger;
    detail::check(try_create(config, logger));
    return logger;
  }
  [[nodiscard]] static Logger from_file(std::string_view path) {
    Logger logger;
    detail::check(try_from_file(path, logger));
    return logger;
  }
  [[nodiscard]] Logger child(std::string_view name,
                             std::initializer_list<Field> fields = {}) const {
    return child(name, fields.begin(), fields.size());
  }
  [[nodiscard]] Logger child(std::string_view name, const Field* fields,
                             std::size_t count) const {
    Logger logger;
    detail::check(try_child(name, fields, count, logger));
    return logger;
  }
  [[nodiscard]] Logger with(std::initializer_list<Field> fields) const {
    return with(fields.begin(), fields.size());
  }
  [[nodiscard]] Logger with(const Field* fields, std::size_t count) const {
    Logger logger;
    detail::check(try_with(fields, count, logger));
    return logger;
  }
#endif

  // Logs one event. Never throws and never allocates: returns
  // ASYNCLOG_OK once queued (or filtered by level); ASYNCLOG_ERR_QUEUE_FULL,
  // ASYNCLOG_ERR_TOO_LARGE or ASYNCLOG_ERR_CLOSED when dropped (and
  // counted); ASYNCLOG_ERR_INVALID_ARGUMENT for an unknown level or a bad
  // field; ASYNCLOG_ERR_NULL on an empty Logger. Invalid UTF-8 is
  // replaced and counted, not refused. Under the `block` queue policy
  // (the default) it waits for room in the queue.
  Status log(Level level, std::string_view message, const Field* fields,
             std::size_t count) const noexcept {
    return asynclog_log(handle_, static_cast<asynclog_level>(level),
                        message.data(), message.size(), fields, count);
  }
  Status log(Level level, std::string_view message,
             std::initializer_list<Field> fields = {}) const noexcept {
    return log(level, message, fields.begin(), fields.size());
  }
  template <class Fields, detail::if_field_range<Fields> = 0>
  Status log(Level level, std::string_view message,
             const Fields& fields) const noexcept {
    return log(level, message, std::data(fields), std::size(fields));
  }

// Each level has the three forms of log(): an initializer_list, a
// pointer and a count, and any contiguous range of fields.
#define ASYNCLOG_CPP_LEVEL_METHODS(method, level)                          \
  Status method(std::string_view message,                                  \
                std::initializer_list<Field> fields = {}) const noexcept { \
    return log(level, message, fields.begin(), fields.size());             \
  }                                                                        \
  Status method(std::string_view message, const Field* fields,             \
                std::size_t count) const noexcept {                        \
    return log(level, message, fields, count);                             \
  }                                                                        \
  template <class Fields, detail::if_field_range<Fields> = 0>              \
  Status method(std::string_view message, const Fields& fields)            \
      const noexcept {                                                     \
    return log(level, message, std::data(fields), std::size(fields));      \
  }

  ASYNCLOG_CPP_LEVEL_METHODS(trace, Level::trace)
  ASYNCLOG_CPP_LEVEL_METHODS(debug, Level::debug)
  ASYNCLOG_CPP_LEVEL_METHODS(info, Level::info)
  ASYNCLOG_CPP_LEVEL_METHODS(warn, Level::warn)
  ASYNCLOG_CPP_LEVEL_METHODS(error, Level::error)
  ASYNCLOG_CPP_LEVEL_METHODS(fatal, Level::fatal)
  ASYNCLOG_CPP_LEVEL_METHODS(audit, Level::audit)
  ASYNCLOG_CPP_LEVEL_METHODS(security, Level::security)
#undef ASYNCLOG_CPP_LEVEL_METHODS

  // Logs fields already in asynclog's tag-length-value encoding
  // (asynclog.h describes it). A malformed buffer is refused with
  // ASYNCLOG_ERR_INVALID_RECORD, the offset in the message, and counted.
  Status log_encoded(Level level, std::string_view message, const void* encoded,
                     std::size_t size) const noexcept {
    return asynclog_log_encoded(
        handle_, static_cast<asynclog_level>(level), message.data(),
        message.size(), static_cast<const std::uint8_t*>(encoded), size);
  }

  // True when an event at `level` would pass this handle's level, so
  // that expensive fields can be skipped. False on an empty Logger.
  bool enabled(Level level) const noexcept {
    return asynclog_logger_enabled(handle_, static_cast<asynclog_level>(level));
  }

  // Sets the minimum level of this handle, of the handles sharing it, and
  // of children without a configured level of their own.
  Status try_set_level(Level level) const noexcept {
    return asynclog_logger_set_level(handle_,
                                     static_cast<asynclog_level>(level));
  }

  // Waits until every event logged before the call is written by every
  // sink (or filtered or dropped, and counted), at most `timeout`.
  // Returns ASYNCLOG_OK, or ASYNCLOG_ERR_TIMEOUT with the number of
  // events not yet written in `pending` (0 on success).
  [[nodiscard]] Status try_flush(std::chrono::milliseconds timeout,
                                 std::uint64_t& pending) const noexcept {
    pending = 0;
    return asynclog_logger_flush(handle_, detail::millis(timeout), &pending);
  }
  [[nodiscard]] Status try_flush(
      std::chrono::milliseconds timeout) const noexcept {
    std::uint64_t pending = 0;
    return try_flush(timeout, pending);
  }

  // Stops the logger: later events are refused with ASYNCLOG_ERR_CLOSED
  // (and counted); drains every sink within `timeout`; stops its threads.
  // Every handle, children included, stays valid and is still freed by
  // its destructor. Results as try_flush.
  [[nodiscard]] Status try_shutdown(std::chrono::milliseconds timeout,
                                    std::uint64_t& pending) const noexcept {
    pending = 0;
    return asynclog_logger_shutdown(handle_, detail::millis(timeout), &pending);
  }
  [[nodiscard]] Status try_shutdown(
      std::chrono::milliseconds timeout) const noexcept {
    std::uint64_t pending = 0;
    return try_shutdown(timeout, pending);
  }

  // The metrics snapshot as one JSON object (submitted, filtered,
  // dropped by reason, per sink written / in_flight...). Writes `out`
  // only on success. An allocation failure terminates.
  [[nodiscard]] Status try_metrics_json(std::string& out) const noexcept {
    return detail::read_string(
        [this](char* buf, std::size_t len, std::size_t* len_out) {
          return asynclog_logger_metrics(handle_, buf, len, len_out);
        },
        out);
  }

  // Takes what the capture sink `sink` has received (NDJSON lines, for
  // tests); they are removed from the capture. Call flush first.
  // ASYNCLOG_ERR_NO_SUCH_SINK if there is no capture sink of that name.
  [[nodiscard]] Status try_capture_take(std::string_view sink,
                                        std::string& out) const noexcept {
    return detail::read_string(
        [this, sink](char* buf, std::size_t len, std::size_t* len_out) {
          return asynclog_logger_capture_take(handle_,
                                              sink.data() ? sink.data() : "",
                                              sink.size(), buf, len, len_out);
        },
        out);
  }

#if defined(__cpp_exceptions)
  // Throws Error: ASYNCLOG_ERR_INVALID_ARGUMENT for an unknown level,
  // ASYNCLOG_ERR_NULL on an empty Logger.
  void set_level(Level level) const {
    detail::check(try_set_level(level));
  }

  // Throws Error with ASYNCLOG_ERR_TIMEOUT, and the number of events not
  // yet written in Error::pending(), when `timeout` passes first.
  void flush(std::chrono::milliseconds timeout) const {
    std::uint64_t pending = 0;
    Status status = try_flush(timeout, pending);
    detail::check(status, pending);
  }
  // As flush, after which the logger refuses new events.
  void shutdown(std::chrono::milliseconds timeout) const {
    std::uint64_t pending = 0;
    Status status = try_shutdown(timeout, pending);
    detail::check(status, pending);
  }

  std::string metrics_json() const {
    std::string json;
    detail::check(try_metrics_json(json));
    return json;
  }
  std::string capture_take(std::string_view sink) const {
    std::string lines;
    detail::check(try_capture_take(sink, lines));
    return lines;
  }
#endif

  // False for an empty (default-constructed or moved-from) Logger.
  explicit operator bool() const noexcept {
    return handle_ != nullptr;
  }

  // The C handle, still owned by this Logger.
  asynclog_logger* native_handle() const noexcept {
    return handle_;
  }

  // Gives the C handle up to the caller, who must free it; leaves this
  // Logger empty.
  [[nodiscard]] asynclog_logger* release() noexcept {
    return std::exchange(handle_, nullptr);
  }

  // Frees the handle held (draining if it was the last one) and takes
  // `handle`, which may be NULL.
  void reset(asynclog_logger* handle = nullptr) noexcept {
    asynclog_logger_free(std::exchange(handle_, handle));
  }

  friend void swap(Logger& a, Logger& b) noexcept {
    std::swap(a.handle_, b.handle_);
  }

 private:
  Status make_child(const char* name, std::size_t name_len, const Field* fields,
                    std::size_t count, Logger& out) const noexcept {
    asynclog_logger* handle = nullptr;
    Status status =
        asynclog_logger_with(handle_, name, name_len, fields, count, &handle);
    if (status == ASYNCLOG_OK) {
      out.reset(handle);
    }
    return status;
  }

  asynclog_logger* handle_ = nullptr;
};

// Adds fields (a correlation id, trace and span ids, any keys) to every
// record the calling thread logs, through any logger, for as long as the
// scope lives. Scopes nest; an inner key overrides an outer one. The
// fields are copied when the scope opens.
//
//   asynclog::ContextScope scope{{asynclog::keys::correlation_id, id},
//                                {asynclog::keys::trace_id, trace}};
//
// A scope belongs to the thread that opened it: it can be neither copied
// nor moved, so it closes on that thread, innermost first. Give it a
// name: a temporary closes at the end of its statement.
class ContextScope {
 public:
#if defined(__cpp_exceptions)
  // Throws Error (ASYNCLOG_ERR_INVALID_ARGUMENT for a bad field, the
  // message names it); no scope is then open.
  explicit ContextScope(std::initializer_list<Field> fields)
      : ContextScope(fields.begin(), fields.size()) {}
  ContextScope(const Field* fields, std::size_t count)
      : ContextScope(std::nothrow, fields, count) {
    detail::check(status_);
  }
#endif
  // Never throws: check status(); a scope that failed to open is
  // inactive and its destructor does nothing.
  ContextScope(std::nothrow_t, std::initializer_list<Field> fields) noexcept
      : ContextScope(std::nothrow, fields.begin(), fields.size()) {}
  ContextScope(std::nothrow_t, const Field* fields, std::size_t count) noexcept
      : status_(asynclog_context_push(fields, count, &token_)) {}

  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;
  ContextScope(ContextScope&&) = delete;
  ContextScope& operator=(ContextScope&&) = delete;

  // Closes the scope (and any still open inside it), restoring the
  // thread's context as it was before.
  ~ContextScope() {
    if (status_ == ASYNCLOG_OK) {
      (void)asynclog_context_pop(token_);
    }
  }

  // ASYNCLOG_OK if the scope is open.
  Status status() const noexcept {
    return status_;
  }
  explicit operator bool() const noexcept {
    return status_ == ASYNCLOG_OK;
  }

 private:
  std::size_t token_ = 0;
  Status status_;
};

// Closes every context scope of the calling thread; the ContextScope
// objects still alive then close nothing.
inline Status context_clear() noexcept {
  return asynclog_context_clear();
}

}  // namespace asynclog

#endif  // ASYNCLOG_ASYNCLOG_HPP
