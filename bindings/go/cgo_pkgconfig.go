//go:build !asynclog_checkout

package asynclog

// By default the header and the library are found with pkg-config, as
// installed by `cmake --install` (or by pointing PKG_CONFIG_PATH at a
// directory holding an asynclog.pc).

// #cgo pkg-config: asynclog
import "C"
