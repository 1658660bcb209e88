package web

import (
	"sync"
	"time"
)

// throttle limits password guessing: after maxFailures failed logins for a
// key (a username, or a client address) within window, further attempts
// for that key are refused until the window has passed since the last
// failure. It lives in the process: with several servers an attacker gets
// maxFailures per server, which is still far too few to guess a password.
type throttle struct {
	mu          sync.Mutex
	maxFailures int
	window      time.Duration
	failures    map[string][]time.Time
}

func newThrottle(maxFailures int, window time.Duration) *throttle {
	return &throttle{maxFailures: maxFailures, window: window, failures: map[string][]time.Time{}}
}

// blocked reports whether any of keys is locked out at now.
func (t *throttle) blocked(now time.Time, keys ...string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if len(t.recent(k, now)) >= t.maxFailures {
			return true
		}
	}
	return false
}

// fail records a failed attempt for every key.
func (t *throttle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		t.failures[k] = append(t.recent(k, now), now)
	}
	if len(t.failures) > 100_000 { // bound memory under a spray of usernames
		for k := range t.failures {
			if len(t.recent(k, now)) == 0 {
				delete(t.failures, k)
			}
		}
	}
}

// succeed forgets the failures of key (the username, not the address).
func (t *throttle) succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

// recent returns key's failures within the window; t.mu must be held.
func (t *throttle) recent(key string, now time.Time) []time.Time {
	fs := t.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) > t.window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.failures, key)
		return nil
	}
	t.failures[key] = fs
	return fs
}
