//go:build !race

package asynclog

const raceEnabled = false
