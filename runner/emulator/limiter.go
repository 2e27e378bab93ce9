package emulator

import (
	"sync"
	"time"

	"github.com/cvmconform/cvmconform/model"
)

// limiter is a sliding-window-log rate limiter per account and action: at
// most limit(action) requests accepted in any second, counted by arrival
// on the emulator's clock; refused requests do not count (ledger L-12
// allows either). It is safe for concurrent use.
type limiter struct {
	mu    sync.Mutex
	limit func(action string) int // 0 = unlimited
	logs  map[limitKey][]time.Time
	// bucket maps an action to the one whose limit it counts against
	// (FaultDescribesAsStops); nil for none.
	bucket map[string]string
}

type limitKey struct{ account, action string }

func newLimiter(stopLimit int) *limiter {
	return &limiter{
		limit: func(action string) int {
			switch {
			case stopLimit == 0:
				return 0
			case action == model.ActionStop:
				return stopLimit
			}
			return model.RateLimit(action)
		},
		logs: map[limitKey][]time.Time{},
	}
}

// allow reports whether a request of action by account arriving at now is
// within the limit, and if so counts it.
func (l *limiter) allow(account, action string, now time.Time) bool {
	n := l.limit(action)
	if n <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.bucket[action]; ok {
		action = b
		n = l.limit(action)
	}
	k := limitKey{account, action}
	log := l.logs[k]
	cut := 0
	for cut < len(log) && now.Sub(log[cut]) >= time.Second {
		cut++
	}
	log = log[cut:]
	if len(log) >= n {
		l.logs[k] = log
		return false
	}
	l.logs[k] = append(log, now)
	return true
}
