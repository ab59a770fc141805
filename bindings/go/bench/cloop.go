package bench

// The baseline for the binding's own cost: the same workload logged by a
// loop in C, in the same process, through the same asynclog_log_encoded
// call with the fields encoded per event as the binding does. Whatever
// separates BenchmarkAsynclog from BenchmarkAsynclogFromC is the Go side:
// building the fields, encoding them, and one cgo transition per event.

/*
#include <stdint.h>
#include <string.h>
#include <asynclog.h>

// One entry head of the field encoding: tag, u16 key length, key.
static size_t head(uint8_t *b, uint8_t tag, const char *key, size_t len) {
	b[0] = tag;
	b[1] = (uint8_t)len;
	b[2] = (uint8_t)(len >> 8);
	memcpy(b + 3, key, len);
	return 3 + len;
}

// Logs events [first, first+n); the host is little-endian (x86-64, arm64).
static uint64_t log_workload(uintptr_t handle, uint64_t first, uint64_t n) {
	const asynclog_logger *logger = (const asynclog_logger *)handle;
	static const char msg[] = "request handled";
	static const char path[] = "/api/v1/items";
	uint8_t buf[128];
	uint64_t failed = 0;

	for (uint64_t i = first; i < first + n; i++) {
		int64_t user_id = (int64_t)i;
		double latency = 12.5 + (double)(i % 7);
		uint32_t path_len = sizeof path - 1;
		size_t o = 0;

		o += head(buf + o, 0x04, "user_id", 7);
		memcpy(buf + o, &user_id, 8);
		o += 8;
		o += head(buf + o, 0x07, "path", 4);
		memcpy(buf + o, &path_len, 4);
		o += 4;
		memcpy(buf + o, path, path_len);
		o += path_len;
		o += head(buf + o, 0x06, "latency_ms", 10);
		memcpy(buf + o, &latency, 8);
		o += 8;
		if (asynclog_log_encoded(logger, ASYNCLOG_LEVEL_INFO, msg,
				sizeof msg - 1, buf, o) != ASYNCLOG_OK) {
			failed++;
		}
	}
	return failed;
}

static uintptr_t open_logger(const char *config, size_t len) {
	asynclog_logger *logger = NULL;
	if (asynclog_logger_new(config, len, &logger) != ASYNCLOG_OK) {
		return 0;
	}
	return (uintptr_t)logger;
}

// Drains (as Close does) and frees; returns the events not written.
static uint64_t close_logger(uintptr_t handle) {
	uint64_t pending = 0;
	asynclog_logger_shutdown((const asynclog_logger *)handle, 30000, &pending);
	asynclog_logger_free((asynclog_logger *)handle);
	return pending;
}
*/
import "C"

import (
	"fmt"
	"testing"
	"unsafe"
)

// asynclogFromC is the contender: a logger made in C with the same
// configuration as newAsynclog; logN logs events [first, first+n).
func asynclogFromC(tb testing.TB, path string) (logN func(first, n int), finish func() error) {
	config := `{"sinks":[{"type":"file","path":"` + path + `"}]}`
	cfg := []byte(config)
	h := C.open_logger((*C.char)(unsafe.Pointer(&cfg[0])), C.size_t(len(cfg)))
	if h == 0 {
		tb.Fatal("asynclog_logger_new failed")
	}
	return func(first, n int) {
			if failed := C.log_workload(h, C.uint64_t(first), C.uint64_t(n)); failed != 0 {
				tb.Fatalf("%d calls failed", failed)
			}
		}, func() error {
			if pending := C.close_logger(h); pending != 0 {
				return fmt.Errorf("%d events not written", pending)
			}
			return nil
		}
}
