//go:build !asynclog_checkout

package bench

// #cgo pkg-config: asynclog
import "C"
