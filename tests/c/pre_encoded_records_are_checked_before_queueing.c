/*
 * Rule: asynclog_log_encoded takes fields in the tag-length-value encoding
 * the header documents and writes them as asynclog_log would. A buffer
 * that is not well formed (unknown tag, a length past the end, a
 * container whose contents overrun it) is refused before anything is
 * queued: ASYNCLOG_ERR_INVALID_RECORD, a message giving the offset, and
 * one count of dropped (invalid). Any bytes at all give one of the two
 * outcomes, never a crash.
 */

#include <stdint.h>

#include "harness.h"

/* A buffer being encoded. */
struct tlv {
  uint8_t data[4096];
  size_t len;
};

static void put(struct tlv *t, const void *bytes, size_t n) {
  REQUIRE(t->len + n <= sizeof t->data);
  memcpy(t->data + t->len, bytes, n);
  t->len += n;
}

static void put_u8(struct tlv *t, uint8_t v) { put(t, &v, 1); }

static void put_le(struct tlv *t, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    put_u8(t, (uint8_t)(v >> (8 * i)));
  }
}

/* tag, u16 key length, key: the start of an entry of an object. */
static void key(struct tlv *t, uint8_t tag, const char *k) {
  put_u8(t, tag);
  put_le(t, strlen(k), 2);
  put(t, k, strlen(k));
}

static void str_payload(struct tlv *t, const char *s, size_t n) {
  put_le(t, n, 4);
  put(t, s, n);
}

/* Opens a container: returns where its u32 length goes. */
static size_t open_container(struct tlv *t) {
  size_t at = t->len;
  put_le(t, 0, 4);
  return at;
}

static void close_container(struct tlv *t, size_t at) {
  uint32_t n = (uint32_t)(t->len - at - 4);
  for (size_t i = 0; i < 4; i++) {
    t->data[at + i] = (uint8_t)(n >> (8 * i));
  }
}

static void build_valid(struct tlv *t) {
  double pi = 3.25;
  uint64_t pi_bits;
  memcpy(&pi_bits, &pi, sizeof pi_bits);

  t->len = 0;
  key(t, 0x07, "user");
  str_payload(t, "ada", 3);
  key(t, 0x04, "n");
  put_le(t, (uint64_t)-5, 8);
  key(t, 0x05, "big");
  put_le(t, UINT64_MAX, 8);
  key(t, 0x06, "pi");
  put_le(t, pi_bits, 8);
  key(t, 0x03, "ok");
  key(t, 0x02, "no");
  key(t, 0x01, "nil");
  key(t, 0x08, "raw");
  str_payload(t, "\x00\x01\x02\xff", 4);

  key(t, 0x09, "obj");
  size_t obj = open_container(t);
  key(t, 0x04, "x");
  put_le(t, 1, 8);
  key(t, 0x07, "y");
  str_payload(t, "z", 1);
  close_container(t, obj);

  /* Array values have no key. */
  key(t, 0x0a, "arr");
  size_t arr = open_container(t);
  put_u8(t, 0x07);
  str_payload(t, "a", 1);
  put_u8(t, 0x04);
  put_le(t, 2, 8);
  put_u8(t, 0x03);
  put_u8(t, 0x09);
  size_t inner = open_container(t);
  key(t, 0x01, "q");
  close_container(t, inner);
  close_container(t, arr);

  /* Invalid UTF-8 in an encoded string is repaired, not refused. */
  key(t, 0x07, "bad");
  str_payload(t, "x\xffy", 3);
}

static void check_raw(const char *line, const char *path,
                      const char *expected) {
  const char *v = NULL;
  size_t n = 0;
  char text[256] = "(missing)";
  if (json_lookup(line, strlen(line), path, &v, &n)) {
    snprintf(text, sizeof text, "%.*s", (int)n, v);
  }
  if (!CHECK_STR(text, expected)) {
    fprintf(stderr, "  at \"%s\" of %s\n", path, line);
  }
}

static void valid_buffer(const asynclog_logger *logger) {
  struct tlv t;
  build_valid(&t);
  CHECK_STATUS(asynclog_log_encoded(logger, ASYNCLOG_LEVEL_INFO, "enc", 3,
                                    t.data, t.len),
               ASYNCLOG_OK);
  /* No fields at all is a valid buffer too. */
  CHECK_STATUS(
      asynclog_log_encoded(logger, ASYNCLOG_LEVEL_INFO, "none", 4, t.data, 0),
      ASYNCLOG_OK);
  flush_all(logger);

  char *text = capture_take(logger, "cap");
  REQUIRE(check_json_lines(text) == 2);
  char *second = strchr(text, '\n');
  REQUIRE(second != NULL);
  *second = '\0';
  const char *line = text;
  check_raw(line, "msg", "\"enc\"");
  check_raw(line, "user", "\"ada\"");
  check_raw(line, "n", "-5");
  check_raw(line, "big", "18446744073709551615");
  check_raw(line, "pi", "3.25");
  check_raw(line, "ok", "true");
  check_raw(line, "no", "false");
  check_raw(line, "nil", "null");
  check_raw(line, "raw", "\"AAEC/w==\"");
  check_raw(line, "obj", "{\"x\":1,\"y\":\"z\"}");
  check_raw(line, "arr", "[\"a\",2,true,{\"q\":null}]");
  check_raw(line, "bad", "\"x\xef\xbf\xbdy\"");
  CHECK_CONTAINS(second + 1, "\"msg\":\"none\"");
  free(text);
}

struct malformed {
  const char *what;
  uint8_t bytes[24];
  size_t len;
};

static const struct malformed malformed[] = {
    {"tag 0", {0x00, 1, 0, 'k'}, 4},
    {"tag 0x0b", {0x0b, 1, 0, 'k'}, 4},
    {"tag 0xff", {0xff}, 1},
    {"key length cut", {0x07, 1}, 2},
    {"key past the end", {0x07, 5, 0, 'a'}, 4},
    {"string past the end", {0x07, 1, 0, 's', 200, 0, 0, 0, 'x'}, 9},
    {"string length 2^32-1", {0x07, 1, 0, 's', 0xff, 0xff, 0xff, 0xff}, 8},
    {"integer cut", {0x04, 1, 0, 'n', 1, 2, 3}, 7},
    {"double cut", {0x06, 1, 0, 'd', 1}, 5},
    {"bytes past the end", {0x08, 1, 0, 'b', 9, 0, 0, 0, 1, 2}, 10},
    {"object past the end", {0x09, 1, 0, 'o', 50, 0, 0, 0}, 8},
    {"bad tag inside an object",
     {0x09, 1, 0, 'o', 4, 0, 0, 0, 0x0b, 1, 0, 'k'},
     12},
    {"entry overruns its object",
     {0x09, 1, 0, 'o', 4, 0, 0, 0, 0x07, 1, 0, 's', 1, 0, 0, 0, 'x'},
     17},
    {"array past the end", {0x0a, 1, 0, 'a', 9, 0, 0, 0, 0x01}, 9},
    {"bad tag inside an array", {0x0a, 1, 0, 'a', 1, 0, 0, 0, 0x0c}, 9},
    {"good entry, then a cut one", {0x01, 1, 0, 'k', 0x04, 1, 0, 'n', 7}, 9},
};

static int refused_malformed(const asynclog_logger *logger) {
  int refused = 0;
  for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
    const struct malformed *m = &malformed[i];
    int ok = CHECK_STATUS(asynclog_log_encoded(logger, ASYNCLOG_LEVEL_INFO,
                                               "x", 1, m->bytes, m->len),
                          ASYNCLOG_ERR_INVALID_RECORD);
    ok = CHECK_CONTAINS(check_last_error(), "offset") && ok;
    if (!ok) {
      fprintf(stderr, "  case: %s\n", m->what);
    }
    refused += ok;
  }
  return refused;
}

/* Every cut of the valid buffer, then random bytes: each call either logs
 * or refuses with ASYNCLOG_ERR_INVALID_RECORD. Counts both. */
static void any_bytes(const asynclog_logger *logger, int *logged,
                      int *refused) {
  struct tlv t;
  build_valid(&t);
  uint32_t seed = 12345;
  for (int round = 0; round < 3000; round++) {
    uint8_t buf[64];
    const uint8_t *bytes;
    size_t len;
    if ((size_t)round < t.len) {
      bytes = t.data;
      len = (size_t)round;
    } else {
      len = 1 + seed % sizeof buf;
      for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        /* Mostly small bytes, so tags and lengths are often plausible. */
        uint8_t b = (uint8_t)(seed >> 16);
        buf[i] = (seed >> 28) < 12 ? (uint8_t)(b % 12) : b;
      }
      bytes = buf;
    }
    int status = asynclog_log_encoded(logger, ASYNCLOG_LEVEL_INFO, "fuzz", 4,
                                      bytes, len);
    if (status == ASYNCLOG_OK) {
      (*logged)++;
    } else if (CHECK_STATUS(status, ASYNCLOG_ERR_INVALID_RECORD)) {
      (*refused)++;
    }
  }
}

int main(void) {
  asynclog_logger *logger = logger_from(CAPTURE_CONFIG);

  valid_buffer(logger);
  int refused = refused_malformed(logger);
  int logged = 0;
  any_bytes(logger, &logged, &refused);
  CHECK(logged > 0);

  flush_all(logger);
  char *text = capture_take(logger, "cap");
  CHECK_U64(check_event_lines(text), logged);
  check_drop_notice(logger, "cap", text, "invalid");
  free(text);

  char *metrics = metrics_of(logger);
  CHECK_U64(metric(metrics, "dropped.invalid"), refused);
  CHECK_U64(metric(metrics, "sinks[0].written"), logged + 2);
  CHECK_U64(metric(metrics, "submitted"), logged + 2 + refused);
  check_books_balance(metrics, true);
  free(metrics);

  asynclog_logger_free(logger);
  return CHECK_DONE();
}
