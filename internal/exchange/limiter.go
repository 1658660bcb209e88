package exchange

import (
	"context"
	"sync"
	"time"
)

// limiter bounds the requests in flight to one tenant. Its limit starts at
// max, halves when the service throttles (at most once per cooldown, so
// one burst of 429s counts once), and grows back by one after every
// recoverAfter successes in a row: it backs off fast and recovers slowly.
type limiter struct {
	max          int
	cooldown     time.Duration
	recoverAfter int
	now          func() time.Time

	mu        sync.Mutex
	limit     int
	inflight  int
	peak      int
	successes int
	lastCut   time.Time
	wake      chan struct{} // closed and replaced whenever a slot may be free
}

func newLimiter(max int, cooldown time.Duration, recoverAfter int, now func() time.Time) *limiter {
	return &limiter{max: max, limit: max, cooldown: cooldown, recoverAfter: recoverAfter, now: now, wake: make(chan struct{})}
}

// acquire waits for a slot or for ctx to end.
func (l *limiter) acquire(ctx context.Context) error {
	for {
		l.mu.Lock()
		if l.inflight < l.limit {
			l.inflight++
			l.peak = max(l.peak, l.inflight)
			l.mu.Unlock()
			return nil
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// outcome of a request, for release.
type outcome int

const (
	outcomeOther     outcome = iota // neither success nor throttling (an error of the caller's)
	outcomeOK                       // answered
	outcomeThrottled                // 429
)

// release frees a slot and adapts the limit.
func (l *limiter) release(o outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight--
	switch o {
	case outcomeThrottled:
		l.successes = 0
		if now := l.now(); l.lastCut.IsZero() || now.Sub(l.lastCut) >= l.cooldown {
			l.limit = max(1, l.limit/2)
			l.lastCut = now
		}
	case outcomeOK:
		l.successes++
		if l.successes >= l.recoverAfter && l.limit < l.max {
			l.limit++
			l.successes = 0
		}
	case outcomeOther:
	}
	close(l.wake)
	l.wake = make(chan struct{})
}

// state returns the current limit and the most requests ever in flight.
func (l *limiter) state() (limit, peak int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit, l.peak
}
