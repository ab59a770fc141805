//go:build asynclog_checkout

package bench

// #cgo CFLAGS: -I${SRCDIR}/../../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../../target/release -lasynclog -Wl,-rpath,${SRCDIR}/../../../target/release
import "C"
