/*
 * A configurable asynclog plugin for the host's tests, compiled by the
 * tests with `cc` into a fresh shared object per case. Compile-time
 * macros shape the descriptor (to test every refusal); settings shape
 * what it does at run time.
 *
 * Descriptor macros:
 *   TP_NAME "x"          plugin name (default "test-plugin")
 *   TP_KIND n            ASYNCLOG_PLUGIN_KIND_* (default sink)
 *   TP_ABI_MAJOR n, TP_ABI_MINOR n, TP_STRUCT_SIZE n, TP_MAGIC n
 *   TP_CAPS n            capability flags
 *   TP_HOST_API_SIZE n   the host API table's size as compiled
 *   TP_NULL_CREATE, TP_NULL_DESTROY, TP_NULL_CALLBACK (process or
 *   write_batch), TP_ENTRY_NULL (the entry point returns NULL),
 *   TP_NO_ENTRY (no entry point exported), TP_DUP_SCHEMA
 *   TP_BATCH             processors: also export process_batch
 *   TP_MARKER "/path"    the constructor creates this file, proving
 *                        the library's code ran
 *
 * Settings:
 *   mode     sink: write (default), retry_once, error, fatal, panic,
 *            partial; processor: pass (default), drop, replace, add,
 *            message, error, fatal, panic, short (TP_BATCH only); any:
 *            bad_config
 *   after    calls that behave as "write"/"pass" before the mode applies
 *   path     sink: file the lines are appended to
 *   events   file that gets "create" and "destroy" lines
 *   key, value   processor: the field for replace and add, the text
 *                for replace, add and message
 *   token    a secret; never used
 *   endpoint required (only with TP_REQUIRE_ENDPOINT)
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asynclog_plugin.h"

/* Some variants leave a callback or the descriptor unused. */
#define TP_MAYBE_UNUSED __attribute__((unused))

#ifndef TP_NAME
#define TP_NAME "test-plugin"
#endif
#ifndef TP_KIND
#define TP_KIND ASYNCLOG_PLUGIN_KIND_SINK
#endif
#ifndef TP_ABI_MAJOR
#define TP_ABI_MAJOR ASYNCLOG_PLUGIN_ABI_MAJOR
#endif
#ifndef TP_ABI_MINOR
#define TP_ABI_MINOR ASYNCLOG_PLUGIN_ABI_MINOR
#endif
#ifndef TP_STRUCT_SIZE
#define TP_STRUCT_SIZE sizeof(asynclog_plugin_descriptor)
#endif
#ifndef TP_MAGIC
#define TP_MAGIC ASYNCLOG_PLUGIN_MAGIC
#endif
#ifndef TP_CAPS
#define TP_CAPS 0
#endif
#ifndef TP_HOST_API_SIZE
#define TP_HOST_API_SIZE sizeof(asynclog_host_api)
#endif

#ifdef TP_MARKER
__attribute__((constructor)) static void tp_constructor(void) {
  FILE *f = fopen(TP_MARKER, "w");
  if (f != NULL) {
    fputs("constructor ran\n", f);
    fclose(f);
  }
}
#endif

typedef struct text {
  char *ptr;
  size_t len;
} text;

typedef struct tp {
  const asynclog_host *host;
  const asynclog_host_api *api;
  text mode, path, events, key, value;
  long long after;
  long long calls;
  int retried;
} tp;

static int is(const text *t, const char *s) {
  return t->len == strlen(s) && memcmp(t->ptr, s, t->len) == 0;
}

static int name_is(const asynclog_config_entry *e, const char *s) {
  return e->name.len == strlen(s) && memcmp(e->name.ptr, s, e->name.len) == 0;
}

static text copy(asynclog_bytes b) {
  text t;
  t.ptr = malloc(b.len + 1);
  t.len = b.len;
  if (t.ptr != NULL) {
    if (b.len > 0) {
      memcpy(t.ptr, b.ptr, b.len);
    }
    t.ptr[b.len] = '\0';
  }
  return t;
}

static void append(const text *path, const char *data, size_t len) {
  FILE *f;
  if (path->ptr == NULL) {
    return;
  }
  f = fopen(path->ptr, "a");
  if (f != NULL) {
    fwrite(data, 1, len, f);
    fclose(f);
  }
}

static void set_error(const tp *p, const char *msg) {
  p->api->set_error(p->host, (const uint8_t *)msg, strlen(msg));
}

TP_MAYBE_UNUSED static asynclog_plugin_status tp_create(const asynclog_host *host,
                                        const asynclog_host_api *api,
                                        const asynclog_config_entry *config,
                                        size_t config_len, void **out) {
  size_t i;
  tp *p = calloc(1, sizeof *p);
  if (p == NULL) {
    return ASYNCLOG_PLUGIN_ERROR;
  }
  p->host = host;
  p->api = api;
  for (i = 0; i < config_len; i++) {
    const asynclog_config_entry *e = &config[i];
    if (name_is(e, "mode")) {
      p->mode = copy(e->value.string);
    } else if (name_is(e, "path")) {
      p->path = copy(e->value.string);
    } else if (name_is(e, "events")) {
      p->events = copy(e->value.string);
    } else if (name_is(e, "key")) {
      p->key = copy(e->value.string);
    } else if (name_is(e, "value")) {
      p->value = copy(e->value.string);
    } else if (name_is(e, "after")) {
      p->after = e->value.integer;
    }
  }
  if (is(&p->mode, "bad_config")) {
    set_error(p, "mode: bad_config asked for");
    free(p);
    return ASYNCLOG_PLUGIN_BAD_CONFIG;
  }
  append(&p->events, "create\n", 7);
  *out = p;
  return ASYNCLOG_PLUGIN_OK;
}

TP_MAYBE_UNUSED static void tp_destroy(void *instance) {
  tp *p = instance;
  append(&p->events, "destroy\n", 8);
  free(p->mode.ptr);
  free(p->path.ptr);
  free(p->events.ptr);
  free(p->key.ptr);
  free(p->value.ptr);
  free(p);
}

/* 1 when the configured mode applies to this call. */
static int faulting(tp *p) {
  p->calls++;
  return p->calls > p->after;
}

TP_MAYBE_UNUSED static asynclog_plugin_status tp_write_batch(void *instance,
                                             const asynclog_bytes *lines,
                                             size_t count, size_t *accepted) {
  tp *p = instance;
  size_t i, take = count;
  *accepted = 0;
  if (faulting(p)) {
    if (is(&p->mode, "error")) {
      set_error(p, "error asked for");
      return ASYNCLOG_PLUGIN_ERROR;
    }
    if (is(&p->mode, "fatal")) {
      set_error(p, "fatal asked for");
      return ASYNCLOG_PLUGIN_FATAL;
    }
    if (is(&p->mode, "panic")) {
      set_error(p, "panic asked for");
      return ASYNCLOG_PLUGIN_PANIC;
    }
    if (is(&p->mode, "retry_once") && !p->retried) {
      p->retried = 1;
      set_error(p, "retry asked for");
      return ASYNCLOG_PLUGIN_RETRY;
    }
    if (is(&p->mode, "partial") && !p->retried && count > 1) {
      p->retried = 1;
      take = count / 2;
    }
  }
  for (i = 0; i < take; i++) {
    append(&p->path, (const char *)lines[i].ptr, lines[i].len);
  }
  *accepted = take;
  return take == count ? ASYNCLOG_PLUGIN_OK : ASYNCLOG_PLUGIN_RETRY;
}

TP_MAYBE_UNUSED static asynclog_plugin_status tp_process(void *instance,
                                         const asynclog_record_view *record,
                                         asynclog_record_edit *edit) {
  tp *p = instance;
  (void)record;
  if (!faulting(p)) {
    return ASYNCLOG_PLUGIN_OK;
  }
  if (is(&p->mode, "drop")) {
    p->api->edit_drop(edit);
  } else if (is(&p->mode, "replace")) {
    p->api->edit_replace_str(edit, (const uint8_t *)p->key.ptr, p->key.len,
                             (const uint8_t *)p->value.ptr, p->value.len);
  } else if (is(&p->mode, "add")) {
    p->api->edit_add_str(edit, (const uint8_t *)p->key.ptr, p->key.len,
                         (const uint8_t *)p->value.ptr, p->value.len);
  } else if (is(&p->mode, "message")) {
    p->api->edit_set_message(edit, (const uint8_t *)p->value.ptr,
                             p->value.len);
  } else if (is(&p->mode, "error")) {
    p->api->edit_drop(edit); /* discarded: the call fails */
    set_error(p, "error asked for");
    return ASYNCLOG_PLUGIN_ERROR;
  } else if (is(&p->mode, "fatal")) {
    set_error(p, "fatal asked for");
    return ASYNCLOG_PLUGIN_FATAL;
  } else if (is(&p->mode, "panic")) {
    set_error(p, "panic asked for");
    return ASYNCLOG_PLUGIN_PANIC;
  }
  return ASYNCLOG_PLUGIN_OK;
}

/* With TP_BATCH: the same work for a batch of records, counting the
 * calls in the host counter "batches". Mode "short" stops before the
 * record it applies to, without a status saying why. */
TP_MAYBE_UNUSED static size_t tp_process_batch(
    void *instance, const asynclog_record_view *records,
    asynclog_record_edit *const *edits, asynclog_plugin_status *statuses,
    size_t count) {
  tp *p = instance;
  size_t i;
  p->api->counter_add(p->host, (const uint8_t *)"batches", 7, 1);
  for (i = 0; i < count; i++) {
    if (is(&p->mode, "short") && p->calls >= p->after) {
      return i;
    }
    statuses[i] = tp_process(instance, &records[i], edits[i]);
    if (statuses[i] == ASYNCLOG_PLUGIN_FATAL ||
        statuses[i] == ASYNCLOG_PLUGIN_PANIC) {
      return i + 1;
    }
  }
  return count;
}

#ifdef TP_REQUIRE_ENDPOINT
#define TP_ENDPOINT_FLAGS ASYNCLOG_CONFIG_REQUIRED
#else
#define TP_ENDPOINT_FLAGS 0
#endif

static const asynclog_config_field FIELDS[] = {
    {"mode", ASYNCLOG_CONFIG_STRING, 0, "what to do"},
    {"after", ASYNCLOG_CONFIG_INT, 0, "calls before the mode applies"},
    {"path", ASYNCLOG_CONFIG_STRING, 0, "output file"},
    {"events", ASYNCLOG_CONFIG_STRING, 0, "create and destroy log"},
    {"key", ASYNCLOG_CONFIG_STRING, 0, "field key"},
    {"value", ASYNCLOG_CONFIG_STRING, 0, "field value"},
    {"token", ASYNCLOG_CONFIG_STRING, ASYNCLOG_CONFIG_SECRET, "a secret"},
    {"endpoint", ASYNCLOG_CONFIG_STRING, TP_ENDPOINT_FLAGS, "an endpoint"},
    {"timeout", ASYNCLOG_CONFIG_DURATION, 0, "a duration"},
    {"buffer", ASYNCLOG_CONFIG_SIZE, 0, "a size"},
#ifdef TP_DUP_SCHEMA
    {"mode", ASYNCLOG_CONFIG_STRING, 0, "twice"},
#endif
};

#if TP_KIND == ASYNCLOG_PLUGIN_KIND_SINK
#define TP_PROCESS NULL
#define TP_WRITE tp_write_batch
#else
#define TP_PROCESS tp_process
#define TP_WRITE NULL
#endif

#if defined(TP_BATCH) && TP_KIND != ASYNCLOG_PLUGIN_KIND_SINK
#define TP_PROCESS_BATCH tp_process_batch
#else
#define TP_PROCESS_BATCH NULL
#endif

#ifdef TP_NULL_CALLBACK
#undef TP_PROCESS
#undef TP_WRITE
#define TP_PROCESS NULL
#define TP_WRITE NULL
#endif

TP_MAYBE_UNUSED static const asynclog_plugin_descriptor DESCRIPTOR = {
    .struct_size = TP_STRUCT_SIZE,
    .abi_major = TP_ABI_MAJOR,
    .abi_minor = TP_ABI_MINOR,
    .sanity = {TP_MAGIC, (uint32_t)sizeof(asynclog_record_view),
               (uint32_t)TP_HOST_API_SIZE,
               (uint32_t)sizeof(asynclog_config_entry)},
    .name = TP_NAME,
    .version = "1.2.3",
    .description = "a plugin for the host's tests",
    .kind = TP_KIND,
    .capabilities = TP_CAPS,
    .config_fields = FIELDS,
    .config_field_count = sizeof FIELDS / sizeof FIELDS[0],
#ifdef TP_NULL_CREATE
    .create = NULL,
#else
    .create = tp_create,
#endif
#ifdef TP_NULL_DESTROY
    .destroy = NULL,
#else
    .destroy = tp_destroy,
#endif
    .process = TP_PROCESS,
    .write_batch = TP_WRITE,
    .flush = NULL,
    .health = NULL,
    .process_batch = TP_PROCESS_BATCH,
};

#ifndef TP_NO_ENTRY
ASYNCLOG_PLUGIN_EXPORT const asynclog_plugin_descriptor *
asynclog_plugin_entry_v1(void) {
#ifdef TP_ENTRY_NULL
  return NULL;
#else
  return &DESCRIPTOR;
#endif
}
#else
ASYNCLOG_PLUGIN_EXPORT const asynclog_plugin_descriptor *
not_the_entry_point(void) {
  return &DESCRIPTOR;
}
#endif
