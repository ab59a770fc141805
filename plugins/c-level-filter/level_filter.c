/*
 * level-filter: an asynclog filter plugin in plain C11, built against
 * include/asynclog_plugin.h only.
 *
 * Settings:
 *   min_level      string  records below it are dropped: trace, debug,
 *                          info, warn, error or fatal (default info).
 *                          AUDIT and SECURITY records always pass.
 *   drop_prefixes  list    records whose message starts with any of
 *                          these strings are dropped.
 *
 * Each drop is counted by the host as filtered, and in this instance's
 * counters "dropped_level" and "dropped_prefix".
 */

#include <stdlib.h>
#include <string.h>

#include "asynclog_plugin.h"

#define LEVEL_AUDIT 6u

typedef struct prefix {
  unsigned char *bytes;
  size_t len;
} prefix;

typedef struct level_filter {
  const asynclog_host *host;
  const asynclog_host_api *api;
  uint32_t min_level;
  prefix *prefixes;
  size_t prefix_count;
} level_filter;

static const char *const LEVEL_NAMES[] = {"trace", "debug", "info",
                                          "warn",  "error", "fatal"};

static void fail(const asynclog_host *host, const asynclog_host_api *api,
                 const char *message) {
  api->set_error(host, (const uint8_t *)message, strlen(message));
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Parses a level name, ignoring case; 0 on success. */
static int parse_level(asynclog_bytes name, uint32_t *out) {
  size_t i;
  for (i = 0; i < sizeof LEVEL_NAMES / sizeof LEVEL_NAMES[0]; i++) {
    const char *want = LEVEL_NAMES[i];
    size_t n = strlen(want), j;
    if (name.len != n) {
      continue;
    }
    for (j = 0; j < n && lower(name.ptr[j]) == want[j]; j++) {
    }
    if (j == n) {
      *out = (uint32_t)i;
      return 0;
    }
  }
  return -1;
}

static void free_filter(level_filter *f) {
  size_t i;
  for (i = 0; i < f->prefix_count; i++) {
    free(f->prefixes[i].bytes);
  }
  free(f->prefixes);
  free(f);
}

static asynclog_plugin_status lf_create(const asynclog_host *host,
                                        const asynclog_host_api *api,
                                        const asynclog_config_entry *config,
                                        size_t config_len,
                                        void **instance_out) {
  size_t i, j;
  level_filter *f = calloc(1, sizeof *f);
  if (f == NULL) {
    fail(host, api, "out of memory");
    return ASYNCLOG_PLUGIN_ERROR;
  }
  f->host = host;
  f->api = api;
  f->min_level = 2; /* info */

  for (i = 0; i < config_len; i++) {
    const asynclog_config_entry *e = &config[i];
    if (e->name.len == 9 && memcmp(e->name.ptr, "min_level", 9) == 0) {
      if (parse_level(e->value.string, &f->min_level) != 0) {
        fail(host, api,
             "min_level: expected trace, debug, info, warn, error or fatal");
        free_filter(f);
        return ASYNCLOG_PLUGIN_BAD_CONFIG;
      }
    } else if (e->name.len == 13 &&
               memcmp(e->name.ptr, "drop_prefixes", 13) == 0) {
      const asynclog_config_list list = e->value.list;
      f->prefixes = calloc(list.len ? list.len : 1, sizeof *f->prefixes);
      if (f->prefixes == NULL) {
        fail(host, api, "out of memory");
        free_filter(f);
        return ASYNCLOG_PLUGIN_ERROR;
      }
      for (j = 0; j < list.len; j++) {
        prefix *p = &f->prefixes[f->prefix_count];
        p->bytes = malloc(list.items[j].len ? list.items[j].len : 1);
        if (p->bytes == NULL) {
          fail(host, api, "out of memory");
          free_filter(f);
          return ASYNCLOG_PLUGIN_ERROR;
        }
        if (list.items[j].len > 0) {
          memcpy(p->bytes, list.items[j].ptr, list.items[j].len);
        }
        p->len = list.items[j].len;
        f->prefix_count++;
      }
    }
  }
  *instance_out = f;
  return ASYNCLOG_PLUGIN_OK;
}

static void lf_destroy(void *instance) { free_filter(instance); }

static void count(const level_filter *f, const char *name) {
  f->api->counter_add(f->host, (const uint8_t *)name, strlen(name), 1);
}

static asynclog_plugin_status lf_process(void *instance,
                                         const asynclog_record_view *record,
                                         asynclog_record_edit *edit) {
  const level_filter *f = instance;
  size_t i;
  if (record->level < LEVEL_AUDIT && record->level < f->min_level) {
    count(f, "dropped_level");
    f->api->edit_drop(edit);
    return ASYNCLOG_PLUGIN_OK;
  }
  for (i = 0; i < f->prefix_count; i++) {
    const prefix *p = &f->prefixes[i];
    if (record->message.len >= p->len &&
        (p->len == 0 || memcmp(record->message.ptr, p->bytes, p->len) == 0)) {
      count(f, "dropped_prefix");
      f->api->edit_drop(edit);
      return ASYNCLOG_PLUGIN_OK;
    }
  }
  return ASYNCLOG_PLUGIN_OK;
}

static const asynclog_config_field FIELDS[] = {
    {"min_level", ASYNCLOG_CONFIG_STRING, 0,
     "Lowest level kept: trace, debug, info, warn, error or fatal (default "
     "info)"},
    {"drop_prefixes", ASYNCLOG_CONFIG_LIST, 0,
     "Records whose message starts with any of these are dropped"},
};

static const asynclog_plugin_descriptor DESCRIPTOR = {
    .struct_size = sizeof(asynclog_plugin_descriptor),
    .abi_major = ASYNCLOG_PLUGIN_ABI_MAJOR,
    .abi_minor = ASYNCLOG_PLUGIN_ABI_MINOR,
    .sanity = ASYNCLOG_PLUGIN_SANITY_INIT,
    .name = "level-filter",
    .version = "0.1.0",
    .description =
        "Drops records below a level, or whose message starts with a prefix",
    .kind = ASYNCLOG_PLUGIN_KIND_FILTER,
    .capabilities = 0,
    .config_fields = FIELDS,
    .config_field_count = sizeof FIELDS / sizeof FIELDS[0],
    .create = lf_create,
    .destroy = lf_destroy,
    .process = lf_process,
    .write_batch = NULL,
    .flush = NULL,
    .health = NULL,
};

ASYNCLOG_PLUGIN_EXPORT const asynclog_plugin_descriptor *
asynclog_plugin_entry_v1(void) {
  return &DESCRIPTOR;
}
