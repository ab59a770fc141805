/*
 * Rule: a configuration that cannot be used is refused with
 * ASYNCLOG_ERR_CONFIG and a message that names where the problem is: the
 * key path (such as sinks[0].path) and, for a file, the file. No handle
 * is written. A sink that cannot be opened is ASYNCLOG_ERR_IO, naming the
 * path. Good JSON, TOML and files, and the embedded default, are taken.
 */

#include <stdint.h>

#include "harness.h"

#define UNTOUCHED ((asynclog_logger *)(uintptr_t)0x5eed)

struct broken {
  const char *config;
  int status;
  const char *needle;
};

static const struct broken cases[] = {
    /* Syntax. */
    {"{\"level\": \"info\",", ASYNCLOG_ERR_CONFIG, "line 1"},
    {"{bad", ASYNCLOG_ERR_CONFIG, "line 1"},
    {"level = \n", ASYNCLOG_ERR_CONFIG, "line 1"},
    /* Unknown keys, at each level. */
    {"{\"bogus\":1}", ASYNCLOG_ERR_CONFIG, "bogus: unknown key"},
    {"{\"queue\":{\"capacityy\":8}}", ASYNCLOG_ERR_CONFIG, "queue.capacityy"},
    {"{\"sinks\":[{\"type\":\"capture\",\"pathh\":\"/x\"}]}",
     ASYNCLOG_ERR_CONFIG, "sinks[0].pathh"},
    /* Relative file paths. */
    {"{\"sinks\":[{\"type\":\"file\",\"path\":\"relative.log\"}]}",
     ASYNCLOG_ERR_CONFIG, "sinks[0].path"},
    {"{\"sinks\":[{\"type\":\"capture\"},"
     "{\"type\":\"file\",\"path\":\"logs/app.log\"}]}",
     ASYNCLOG_ERR_CONFIG, "sinks[1].path"},
    /* Wrong types and values. */
    {"{\"sinks\":[{\"type\":\"carrier-pigeon\"}]}", ASYNCLOG_ERR_CONFIG,
     "sinks[0].type"},
    {"{\"queue\":{\"capacity\":\"lots\"}}", ASYNCLOG_ERR_CONFIG,
     "queue.capacity"},
    {"{\"queue\":{\"policy\":\"drop_everything\"}}", ASYNCLOG_ERR_CONFIG,
     "queue.policy"},
    {"{\"level\":\"loud\"}", ASYNCLOG_ERR_CONFIG, "level"},
    {"{\"sinks\":[{\"type\":\"capture\",\"encoder\":\"xml\"}]}",
     ASYNCLOG_ERR_CONFIG, "sinks[0].encoder"},
    {"{\"loggers\":{\"db\":{\"level\":7}}}", ASYNCLOG_ERR_CONFIG,
     "loggers.db.level"},
    /* Not UTF-8. */
    {"{\"name\":\"\xff\"}", ASYNCLOG_ERR_CONFIG, "UTF-8"},
};

static void check_refused(const char *config, size_t len, int status,
                          const char *needle) {
  asynclog_logger *out = UNTOUCHED;
  if (!CHECK_STATUS(asynclog_logger_new(config, len, &out), status)) {
    fprintf(stderr, "  config: %.*s\n", (int)len, config);
  }
  if (!CHECK_CONTAINS(check_last_error(), needle)) {
    fprintf(stderr, "  config: %.*s\n", (int)len, config);
  }
  CHECK(out == UNTOUCHED);
  if (out != UNTOUCHED) {
    asynclog_logger_free(out);
  }
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  REQUIRE(f != NULL);
  REQUIRE(fputs(text, f) >= 0);
  REQUIRE(fclose(f) == 0);
}

static void from_files(const char *dir) {
  char path[4096];
  asynclog_logger *out = UNTOUCHED;

  /* A missing file: the message names it. */
  FORMAT(path, "%s/missing.json", dir);
  CHECK_STATUS(asynclog_logger_new_from_file(path, strlen(path), &out),
               ASYNCLOG_ERR_CONFIG);
  CHECK_CONTAINS(check_last_error(), path);
  CHECK(out == UNTOUCHED);

  /* A bad key in a file: the file and the key path. */
  FORMAT(path, "%s/bad.json", dir);
  write_file(path, "{\"sinks\":[{\"type\":\"file\",\"path\":\"x.log\"}]}");
  CHECK_STATUS(asynclog_logger_new_from_file(path, strlen(path), &out),
               ASYNCLOG_ERR_CONFIG);
  CHECK_CONTAINS(check_last_error(), path);
  CHECK_CONTAINS(check_last_error(), "sinks[0].path");
  CHECK(out == UNTOUCHED);

  /* A good TOML file, with a file sink. */
  char toml[8192];
  FORMAT(toml,
         "name = \"from-toml\"\n"
         "[[sinks]]\ntype = \"capture\"\nname = \"cap\"\n"
         "[[sinks]]\ntype = \"file\"\npath = \"%s/out.log\"\n",
         dir);
  FORMAT(path, "%s/good.toml", dir);
  write_file(path, toml);
  asynclog_logger *logger = NULL;
  CHECK_STATUS(asynclog_logger_new_from_file(path, strlen(path), &logger),
               ASYNCLOG_OK);
  if (logger != NULL) {
    CHECK_STATUS(asynclog_log(logger, ASYNCLOG_LEVEL_INFO, "hi", 2, NULL, 0),
                 ASYNCLOG_OK);
    flush_all(logger);
    char *text = capture_take(logger, "cap");
    CHECK_U64(check_json_lines(text), 1);
    CHECK_CONTAINS(text, "\"logger\":\"from-toml\"");
    free(text);
    asynclog_logger_free(logger);
    FORMAT(path, "%s/out.log", dir);
    text = read_whole_file(path, NULL);
    CHECK_U64(check_json_lines(text), 1);
    free(text);
  }

  /* A file sink that cannot be opened: a path below a regular file. */
  char config[8192];
  FORMAT(config,
         "{\"sinks\":[{\"type\":\"file\",\"path\":\"%s/good.toml/x.log\"}]}",
         dir);
  /* The message names the sink and the component that failed. */
  FORMAT(path, "%s/good.toml", dir);
  check_refused(config, strlen(config), ASYNCLOG_ERR_IO, path);
  CHECK_CONTAINS(check_last_error(), "sinks[0]");
}

int main(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    check_refused(cases[i].config, strlen(cases[i].config), cases[i].status,
                  cases[i].needle);
  }

  /* Bytes after the length are not read: a length that cuts the
   * document short is a syntax error. */
  static const char cut[] = "{\"level\":\"info\"}";
  check_refused(cut, 5, ASYNCLOG_ERR_CONFIG, "line 1");

  /* Good documents: JSON, TOML, and NULL for the embedded default. */
  asynclog_logger *logger = NULL;
  CHECK_STATUS(
      asynclog_logger_new(CAPTURE_CONFIG, strlen(CAPTURE_CONFIG), &logger),
      ASYNCLOG_OK);
  asynclog_logger_free(logger);
  static const char toml[] =
      "level = \"debug\"\n[[sinks]]\ntype = \"capture\"\nname = \"cap\"\n";
  logger = NULL;
  CHECK_STATUS(asynclog_logger_new(toml, strlen(toml), &logger), ASYNCLOG_OK);
  CHECK(logger != NULL &&
        asynclog_logger_enabled(logger, ASYNCLOG_LEVEL_DEBUG));
  asynclog_logger_free(logger);
  logger = NULL;
  CHECK_STATUS(asynclog_logger_new(NULL, 0, &logger), ASYNCLOG_OK);
  CHECK(logger != NULL &&
        asynclog_logger_enabled(logger, ASYNCLOG_LEVEL_INFO) &&
        !asynclog_logger_enabled(logger, ASYNCLOG_LEVEL_DEBUG));
  asynclog_logger_free(logger);

  char dir[4096];
  make_temp_dir(dir, sizeof dir);
  from_files(dir);
  remove_temp_dir(dir);

  return CHECK_DONE();
}
