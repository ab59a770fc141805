/*
 * Rule (for the tests' own tool): json.h accepts exactly RFC 8259 JSON
 * with unique keys, so that "every line is valid JSON" in the other tests
 * means what it says. Each refused document below is one that a lax
 * reader would take.
 */

#include "check.h"
#include "json.h"

static const char *const good[] = {
    "{}",
    "[]",
    "0",
    "-0",
    "1.5e-3",
    "-12E+2",
    "\"\"",
    "true",
    "false",
    "null",
    " {\"a\" : [1, 2, {\"b\": null}], \"c\": \"d\"} \n",
    "\"\\u00e9\\ud83d\\ude00\\n\\t\\\"\\\\\\/\\b\\f\\r\"",
    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
    "{\"a\":1,\"A\":2,\"a \":3}",
    "[1e400]",
};

static const char *const bad[] = {
    "",
    " ",
    "{",
    "}",
    "[1,]",
    "{\"a\":1,}",
    "{\"a\"}",
    "{a:1}",
    "'a'",
    "01",
    "1.",
    ".5",
    "+1",
    "1e",
    "-",
    "0x10",
    "NaN",
    "Infinity",
    "tru",
    "nul",
    "[1 2]",
    "{} {}",
    "\"unterminated",
    "\"tab\there\"",           /* raw control character */
    "\"\\x41\"",               /* unknown escape */
    "\"\\u12\"",               /* short \u escape */
    "\"\\ud83d\"",             /* lone high surrogate */
    "\"\\ude00\"",             /* lone low surrogate */
    "\"\\ud83d\\u0041\"",      /* high surrogate, then no low one */
    "\"\xff\"",                /* invalid byte */
    "\"\xc3\"",                /* truncated sequence */
    "\"\xc0\xaf\"",            /* overlong */
    "\"\xe0\x80\xaf\"",        /* overlong, three bytes */
    "\"\xed\xa0\x80\"",        /* encoded surrogate */
    "\"\xf4\x90\x80\x80\"",    /* past U+10FFFF */
    "{\"a\":1,\"a\":2}",       /* repeated key */
    "{\"a\":1,\"\\u0061\":2}", /* repeated after decoding */
};

int main(void) {
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    json_error err = {0, NULL};
    if (!CHECK(json_valid(good[i], strlen(good[i]), &err))) {
      fprintf(stderr, "  refused %s: %s at %zu\n", good[i], err.what,
              err.offset);
    }
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_error err = {0, NULL};
    if (!CHECK(!json_valid(bad[i], strlen(bad[i]), &err))) {
      fprintf(stderr, "  accepted %s\n", bad[i]);
    } else {
      CHECK(err.what != NULL);
    }
  }

  /* NUL inside the given length is a raw control character. */
  CHECK(!json_valid("\"a\0b\"", 5, NULL));

  /* Nesting beyond the reader's own limit is refused, not recursed. */
  static char deep[2 * (JSON_MAX_DEPTH + 1) + 1];
  for (int i = 0; i <= JSON_MAX_DEPTH; i++) {
    deep[i] = '[';
    deep[2 * (JSON_MAX_DEPTH + 1) - 1 - i] = ']';
  }
  CHECK(!json_valid(deep, strlen(deep), NULL));

  /* Lookups. */
  static const char doc[] =
      "{\"n\":42,\"s\":\"x\\u0041\",\"list\":[10,{\"k\":[7,8]}],"
      "\"o\":{\"big\":18446744073709551615}}";
  uint64_t v = 0;
  CHECK(json_u64(doc, strlen(doc), "n", &v) && v == 42);
  CHECK(json_u64(doc, strlen(doc), "list[0]", &v) && v == 10);
  CHECK(json_u64(doc, strlen(doc), "list[1].k[1]", &v) && v == 8);
  CHECK(json_u64(doc, strlen(doc), "o.big", &v) && v == UINT64_MAX);
  CHECK(!json_u64(doc, strlen(doc), "s", &v));
  CHECK(!json_u64(doc, strlen(doc), "missing", &v));
  CHECK(!json_u64(doc, strlen(doc), "list[2]", &v));
  char *s = json_string(doc, strlen(doc), "s", NULL);
  CHECK_STR(s, "xA");
  free(s);
  CHECK(json_string(doc, strlen(doc), "n", NULL) == NULL);

  return CHECK_DONE();
}
