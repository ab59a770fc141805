//go:build asynclog_checkout

package asynclog

// With the build tag asynclog_checkout the package builds against the
// repository it sits in: the header from include/ and the library from
// target/release (built by `cargo build --release -p asynclog-ffi`), with
// an rpath so that tests and programs run without LD_LIBRARY_PATH. The
// library's SONAME is libasynclog.so.0, so target/release needs a
// libasynclog.so.0 symlink next to libasynclog.so (run-tests.sh makes it).

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/release -lasynclog -Wl,-rpath,${SRCDIR}/../../target/release
import "C"
