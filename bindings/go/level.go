package asynclog

import "strconv"

// Level is the level of an event, as asynclog numbers them
// (ASYNCLOG_LEVEL_*).
type Level uint32

// The levels, lowest first. AUDIT and SECURITY pass every level filter,
// are never sampled and by default never dropped.
const (
	LevelTrace    Level = 0
	LevelDebug    Level = 1
	LevelInfo     Level = 2
	LevelWarn     Level = 3
	LevelError    Level = 4
	LevelFatal    Level = 5
	LevelAudit    Level = 6
	LevelSecurity Level = 7
)

var levelNames = [...]string{
	"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "AUDIT", "SECURITY",
}

// String is the name asynclog writes for the level, such as "INFO".
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// valid reports whether l is one of the levels above.
func (l Level) valid() bool { return l <= LevelSecurity }
