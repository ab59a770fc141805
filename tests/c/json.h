/*
 * json.h: a small, strict JSON reader for the tests (RFC 8259).
 *
 *   json_valid(text, len, &err)        is this exactly one JSON value?
 *   json_lookup(text, len, path, ...)  find the value at a path such as
 *                                      "sinks[0].dropped.queue_full"
 *   json_u64 / json_string             read a number or a decoded string
 *
 * Strict means: UTF-8 is checked (no overlong forms, no surrogates, nothing
 * past U+10FFFF), control characters must be escaped, \u escapes must pair
 * surrogates correctly, numbers follow the grammar exactly, nothing but
 * whitespace may follow the value, and the keys of one object must differ
 * (compared after decoding escapes), as NDJSON output promises.
 *
 * Header-only; every function is static inline so that a test uses what
 * it needs without warnings.
 */

#ifndef ASYNCLOG_TEST_JSON_H
#define ASYNCLOG_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deeper documents are refused, so that a hostile one cannot exhaust the
 * stack of the reader itself. */
#define JSON_MAX_DEPTH 512

/* Where and why a document was refused. */
typedef struct json_error {
  size_t offset;
  const char *what;
} json_error;

typedef struct json_parser {
  const unsigned char *start;
  const unsigned char *p;
  const unsigned char *end;
  int depth;
  const char *what;
} json_parser;

/* A growable byte buffer for decoded strings. */
typedef struct json_buf {
  char *data;
  size_t len;
  size_t cap;
} json_buf;

static inline bool json__fail(json_parser *ps, const char *what) {
  if (ps->what == NULL) {
    ps->what = what;
  }
  return false;
}

static inline bool json__put(json_buf *b, const char *bytes, size_t n) {
  if (b == NULL) {
    return true;
  }
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + n + 1) {
      cap *= 2;
    }
    char *grown = realloc(b->data, cap);
    if (grown == NULL) {
      return false;
    }
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, bytes, n);
  b->len += n;
  b->data[b->len] = '\0';
  return true;
}

static inline void json__space(json_parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
                             *ps->p == '\n' || *ps->p == '\r')) {
    ps->p++;
  }
}

static inline bool json__literal(json_parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
    return json__fail(ps, "invalid literal");
  }
  ps->p += n;
  return true;
}

static inline bool json__digits(json_parser *ps) {
  if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
    return json__fail(ps, "expected a digit");
  }
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
    ps->p++;
  }
  return true;
}

static inline bool json__number(json_parser *ps) {
  if (ps->p < ps->end && *ps->p == '-') {
    ps->p++;
  }
  if (ps->p < ps->end && *ps->p == '0') {
    ps->p++;
    if (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
      return json__fail(ps, "leading zero in a number");
    }
  } else if (!json__digits(ps)) {
    return false;
  }
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    if (!json__digits(ps)) {
      return false;
    }
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) {
      ps->p++;
    }
    if (!json__digits(ps)) {
      return false;
    }
  }
  return true;
}

static inline int json__hex4(const unsigned char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    int c = p[i];
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return -1;
    }
    v = v * 16 + d;
  }
  return v;
}

/* Appends code point `cp` to `out` as UTF-8. */
static inline bool json__put_utf8(json_buf *out, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return json__put(out, u, n);
}

/* One \u escape (after the backslash and the u), pairing surrogates. */
static inline bool json__unicode_escape(json_parser *ps, json_buf *out) {
  if (ps->end - ps->p < 4) {
    return json__fail(ps, "truncated \\u escape");
  }
  int hi = json__hex4(ps->p);
  if (hi < 0) {
    return json__fail(ps, "bad hex digit in \\u escape");
  }
  ps->p += 4;
  uint32_t cp = (uint32_t)hi;
  if (hi >= 0xDC00 && hi <= 0xDFFF) {
    return json__fail(ps, "lone low surrogate in \\u escape");
  }
  if (hi >= 0xD800 && hi <= 0xDBFF) {
    if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') {
      return json__fail(ps, "high surrogate without a low one");
    }
    int lo = json__hex4(ps->p + 2);
    if (lo < 0xDC00 || lo > 0xDFFF) {
      return json__fail(ps, "high surrogate without a low one");
    }
    ps->p += 6;
    cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
  }
  return json__put_utf8(out, cp) || json__fail(ps, "out of memory");
}

/* One raw UTF-8 sequence starting at ps->p, checked per RFC 3629. */
static inline bool json__utf8(json_parser *ps, json_buf *out) {
  const unsigned char *s = ps->p;
  size_t left = (size_t)(ps->end - s);
  size_t n;
  uint32_t cp;
  if (s[0] < 0x80) {
    n = 1;
    cp = s[0];
  } else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
    n = 2;
    cp = s[0] & 0x1F;
  } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    n = 3;
    cp = s[0] & 0x0F;
  } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    n = 4;
    cp = s[0] & 0x07;
  } else {
    return json__fail(ps, "invalid UTF-8 lead byte");
  }
  if (left < n) {
    return json__fail(ps, "truncated UTF-8 sequence");
  }
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      return json__fail(ps, "invalid UTF-8 continuation byte");
    }
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) {
    return json__fail(ps, "overlong UTF-8 sequence");
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) {
    return json__fail(ps, "UTF-8 encoded surrogate");
  }
  if (cp > 0x10FFFF) {
    return json__fail(ps, "UTF-8 beyond U+10FFFF");
  }
  ps->p += n;
  return json__put(out, (const char *)s, n) || json__fail(ps, "out of memory");
}

/* A string at ps->p (on its opening quote); decoded into `out` if not
 * NULL. */
static inline bool json__string(json_parser *ps, json_buf *out) {
  if (ps->p >= ps->end || *ps->p != '"') {
    return json__fail(ps, "expected a string");
  }
  ps->p++;
  for (;;) {
    if (ps->p >= ps->end) {
      return json__fail(ps, "unterminated string");
    }
    unsigned char c = *ps->p;
    if (c == '"') {
      ps->p++;
      return true;
    }
    if (c < 0x20) {
      return json__fail(ps, "unescaped control character in a string");
    }
    if (c != '\\') {
      if (!json__utf8(ps, out)) {
        return false;
      }
      continue;
    }
    ps->p++;
    if (ps->p >= ps->end) {
      return json__fail(ps, "unterminated escape");
    }
    char e = (char)*ps->p++;
    char plain;
    switch (e) {
    case '"':
      plain = '"';
      break;
    case '\\':
      plain = '\\';
      break;
    case '/':
      plain = '/';
      break;
    case 'b':
      plain = '\b';
      break;
    case 'f':
      plain = '\f';
      break;
    case 'n':
      plain = '\n';
      break;
    case 'r':
      plain = '\r';
      break;
    case 't':
      plain = '\t';
      break;
    case 'u':
      if (!json__unicode_escape(ps, out)) {
        return false;
      }
      continue;
    default:
      return json__fail(ps, "unknown escape in a string");
    }
    if (!json__put(out, &plain, 1)) {
      return json__fail(ps, "out of memory");
    }
  }
}

static inline bool json__value(json_parser *ps);

/* An object's members; refuses a key that repeats. */
static inline bool json__object(json_parser *ps) {
  json_buf keys = {NULL, 0, 0};
  size_t *ends = NULL;
  size_t count = 0;
  bool ok = false;
  ps->p++;
  json__space(ps);
  if (ps->p < ps->end && *ps->p == '}') {
    ps->p++;
    return true;
  }
  for (;;) {
    size_t begin = keys.len;
    json__space(ps);
    if (!json__string(ps, &keys)) {
      goto done;
    }
    for (size_t i = 0; i < count; i++) {
      size_t start = i == 0 ? 0 : ends[i - 1];
      if (ends[i] - start == keys.len - begin &&
          memcmp(keys.data + start, keys.data + begin, keys.len - begin) ==
              0) {
        json__fail(ps, "duplicate key in an object");
        goto done;
      }
    }
    size_t *grown = realloc(ends, (count + 1) * sizeof *ends);
    if (grown == NULL) {
      json__fail(ps, "out of memory");
      goto done;
    }
    ends = grown;
    ends[count++] = keys.len;
    json__space(ps);
    if (ps->p >= ps->end || *ps->p != ':') {
      json__fail(ps, "expected ':' after a key");
      goto done;
    }
    ps->p++;
    if (!json__value(ps)) {
      goto done;
    }
    json__space(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == '}') {
      ps->p++;
      ok = true;
      goto done;
    }
    json__fail(ps, "expected ',' or '}' in an object");
    goto done;
  }
done:
  free(keys.data);
  free(ends);
  return ok;
}

static inline bool json__array(json_parser *ps) {
  ps->p++;
  json__space(ps);
  if (ps->p < ps->end && *ps->p == ']') {
    ps->p++;
    return true;
  }
  for (;;) {
    if (!json__value(ps)) {
      return false;
    }
    json__space(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == ']') {
      ps->p++;
      return true;
    }
    return json__fail(ps, "expected ',' or ']' in an array");
  }
}

/* Any value, with the whitespace before it. */
static inline bool json__value(json_parser *ps) {
  json__space(ps);
  if (ps->p >= ps->end) {
    return json__fail(ps, "expected a value");
  }
  bool ok;
  switch (*ps->p) {
  case '{':
  case '[':
    if (++ps->depth > JSON_MAX_DEPTH) {
      return json__fail(ps, "nested too deeply");
    }
    ok = *ps->p == '{' ? json__object(ps) : json__array(ps);
    ps->depth--;
    return ok;
  case '"':
    return json__string(ps, NULL);
  case 't':
    return json__literal(ps, "true");
  case 'f':
    return json__literal(ps, "false");
  case 'n':
    return json__literal(ps, "null");
  default:
    if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) {
      return json__number(ps);
    }
    return json__fail(ps, "unexpected character");
  }
}

static inline json_parser json__start(const char *text, size_t len) {
  json_parser ps;
  ps.start = (const unsigned char *)text;
  ps.p = ps.start;
  ps.end = ps.start + len;
  ps.depth = 0;
  ps.what = NULL;
  return ps;
}

/* True when `text` is exactly one JSON value (whitespace around it is
 * allowed). On failure `*err` (if not NULL) says where and why. */
static inline bool json_valid(const char *text, size_t len, json_error *err) {
  json_parser ps = json__start(text, len);
  bool ok = json__value(&ps);
  if (ok) {
    json__space(&ps);
    if (ps.p != ps.end) {
      ok = json__fail(&ps, "trailing characters after the value");
    }
  }
  if (!ok && err != NULL) {
    err->offset = (size_t)(ps.p - ps.start);
    err->what = ps.what;
  }
  return ok;
}

/* Finds the value at `path` in a valid document: keys separated by dots,
 * array elements as [n], e.g. "sinks[1].dropped.queue_full". On success
 * `*value` and `*value_len` (if not NULL) give the value's raw text. */
static inline bool json_lookup(const char *text, size_t len, const char *path,
                               const char **value, size_t *value_len) {
  json_parser ps = json__start(text, len);
  const char *seg = path;
  json__space(&ps);
  while (*seg != '\0') {
    if (*seg == '.') {
      seg++;
    }
    if (*seg == '[') {
      /* Array element: skip `index` values. */
      char *after;
      unsigned long index = strtoul(seg + 1, &after, 10);
      if (*after != ']' || ps.p >= ps.end || *ps.p != '[') {
        return false;
      }
      seg = after + 1;
      ps.p++;
      json__space(&ps);
      if (ps.p < ps.end && *ps.p == ']') {
        return false;
      }
      for (unsigned long i = 0; i < index; i++) {
        if (!json__value(&ps)) {
          return false;
        }
        json__space(&ps);
        if (ps.p >= ps.end || *ps.p != ',') {
          return false;
        }
        ps.p++;
      }
      json__space(&ps);
      continue;
    }
    /* Object member: compare decoded keys with the segment. */
    size_t seg_len = strcspn(seg, ".[");
    if (ps.p >= ps.end || *ps.p != '{') {
      return false;
    }
    ps.p++;
    bool found = false;
    while (!found) {
      json_buf key = {NULL, 0, 0};
      json__space(&ps);
      if (ps.p < ps.end && *ps.p == '}') {
        return false;
      }
      if (!json__string(&ps, &key)) {
        free(key.data);
        return false;
      }
      found = key.len == seg_len &&
              (seg_len == 0 || memcmp(key.data, seg, seg_len) == 0);
      free(key.data);
      json__space(&ps);
      if (ps.p >= ps.end || *ps.p != ':') {
        return false;
      }
      ps.p++;
      json__space(&ps);
      if (found) {
        break;
      }
      if (!json__value(&ps)) {
        return false;
      }
      json__space(&ps);
      if (ps.p >= ps.end || *ps.p != ',') {
        return false;
      }
      ps.p++;
    }
    seg += seg_len;
  }
  const unsigned char *begin = ps.p;
  if (!json__value(&ps)) {
    return false;
  }
  if (value != NULL) {
    *value = (const char *)begin;
  }
  if (value_len != NULL) {
    *value_len = (size_t)(ps.p - begin);
  }
  return true;
}

/* Reads the non-negative integer at `path`. */
static inline bool json_u64(const char *text, size_t len, const char *path,
                            uint64_t *out) {
  const char *v;
  size_t n;
  if (!json_lookup(text, len, path, &v, &n) || n == 0 || n > 20) {
    return false;
  }
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') {
      return false;
    }
    uint64_t d = (uint64_t)(v[i] - '0');
    if (x > (UINT64_MAX - d) / 10) {
      return false;
    }
    x = x * 10 + d;
  }
  *out = x;
  return true;
}

/* Reads the string at `path`, decoded, as a malloc'd NUL-terminated
 * string (free it), with its length in `*out_len` if not NULL. NULL when
 * there is no string there. */
static inline char *json_string(const char *text, size_t len, const char *path,
                                size_t *out_len) {
  const char *v;
  size_t n;
  if (!json_lookup(text, len, path, &v, &n) || n == 0 || v[0] != '"') {
    return NULL;
  }
  json_parser ps = json__start(v, n);
  json_buf out = {NULL, 0, 0};
  if (!json__put(&out, "", 0) || !json__string(&ps, &out)) {
    free(out.data);
    return NULL;
  }
  if (out_len != NULL) {
    *out_len = out.len;
  }
  return out.data;
}

#endif /* ASYNCLOG_TEST_JSON_H */
