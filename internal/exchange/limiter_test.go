package exchange

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	l := newLimiter(4, time.Second, 2, func() time.Time { return now })
	ctx := t.Context()
	for range 4 {
		if err := l.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Full: a fifth waits until its context ends.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := l.acquire(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire over the limit: %v", err)
	}
	check := func(what string, want int) {
		t.Helper()
		if got, _ := l.state(); got != want {
			t.Fatalf("%s: limit %d, want %d", what, got, want)
		}
	}
	l.release(outcomeThrottled)
	check("after a 429", 2)
	l.release(outcomeThrottled)
	check("a second 429 of the same burst", 2)
	now = now.Add(2 * time.Second)
	l.release(outcomeThrottled)
	check("a 429 after the cooldown", 1)
	l.release(outcomeOK) // the fourth slot: 0 in flight now
	check("one success", 1)
	for i, want := range []int{2, 2, 3, 3, 4, 4, 4, 4} {
		if err := l.acquire(ctx); err != nil {
			t.Fatal(err)
		}
		l.release(outcomeOK)
		check("success "+string(rune('0'+i)), want)
	}
	if _, peak := l.state(); peak != 4 {
		t.Fatalf("peak %d", peak)
	}
	// A waiter is woken by a release.
	for range 4 {
		if err := l.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error)
	go func() { done <- l.acquire(ctx) }()
	time.Sleep(10 * time.Millisecond)
	l.release(outcomeOther)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
