package m365sim

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultConcurrencyLimit is the per-tenant limit of concurrent
// InvokeCommand requests.
const DefaultConcurrencyLimit = 3

// concurrencyText is Exchange Online's 429 text for the per-tenant limit.
const concurrencyText = "You have reached the maximum number of concurrent requests per tenant. Please wait and try again"

// Faults are the failures injected for a tenant. Probabilities are in
// [0,1] and drawn from the sim's seeded generator, so a run is repeatable.
type Faults struct {
	// Rate429 is the probability that an InvokeCommand answers 429.
	Rate429 float64 `json:"rate_429,omitempty"`
	// RetryAfter is the Retry-After of injected 429s in seconds
	// (fractional); default 0.5.
	RetryAfter float64 `json:"retry_after,omitempty"`
	// ConcurrencyLimit is the per-tenant limit of concurrent
	// InvokeCommand requests; 0 means DefaultConcurrencyLimit, negative
	// means unlimited.
	ConcurrencyLimit int `json:"concurrency_limit,omitempty"`
	// Rate503 and Rate504 are probabilities of transient failures.
	Rate503 float64 `json:"rate_503,omitempty"`
	Rate504 float64 `json:"rate_504,omitempty"`
	// Latency is added to every request of the tenant.
	Latency Duration `json:"latency,omitempty"`
	// DropRate is the probability that the connection is dropped in the
	// middle of an InvokeCommand response.
	DropRate float64 `json:"drop_rate,omitempty"`
	// HangExport makes Export-QuarantineMessage never answer (until the
	// client gives up).
	HangExport bool `json:"hang_export,omitempty"`
	// TokenOutage makes the token endpoint answer 503.
	TokenOutage bool `json:"token_outage,omitempty"`
	// ClockSkew shifts the sim's clock for this tenant (token validation
	// and issuing), to reproduce a client with a wrong clock.
	ClockSkew Duration `json:"clock_skew,omitempty"`
}

// Duration is a time.Duration that reads and writes as a Go duration
// string ("1.5s") or a number of nanoseconds.
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(time.Duration(d).String())), nil
}

// UnmarshalJSON reads "1.5s" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if s, err := strconv.Unquote(string(b)); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("m365sim: duration %q: %w", s, ErrInvalid)
		}
		*d = Duration(v)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("m365sim: duration %s: %w", b, ErrInvalid)
	}
	*d = Duration(n)
	return nil
}

// Validate checks the ranges of the fault settings.
func (f Faults) Validate() error {
	for name, p := range map[string]float64{"rate_429": f.Rate429, "rate_503": f.Rate503, "rate_504": f.Rate504, "drop_rate": f.DropRate} {
		if p < 0 || p > 1 || math.IsNaN(p) {
			return fmt.Errorf("m365sim: %s must be in [0,1]: %w", name, ErrInvalid)
		}
	}
	if f.RetryAfter < 0 || f.Latency < 0 {
		return fmt.Errorf("m365sim: retry_after and latency must not be negative: %w", ErrInvalid)
	}
	return nil
}

func (f Faults) limit() int {
	switch {
	case f.ConcurrencyLimit == 0:
		return DefaultConcurrencyLimit
	case f.ConcurrencyLimit < 0:
		return math.MaxInt
	}
	return f.ConcurrencyLimit
}

func (f Faults) retryAfter() string {
	ra := f.RetryAfter
	if ra == 0 {
		ra = 0.5
	}
	return strconv.FormatFloat(ra, 'f', -1, 64)
}

// faultsLocked returns the tenant's faults (or the defaults). The caller
// holds s.mu.
func (s *Sim) faultsLocked(t *tenantState) Faults {
	if t.Faults != nil {
		return *t.Faults
	}
	return s.opts.DefaultFaults
}

// SetFaults replaces the faults of a tenant.
func (s *Sim) SetFaults(tenantRef string, f Faults) (Faults, error) {
	if err := f.Validate(); err != nil {
		return Faults{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTenant(tenantRef)
	if t == nil {
		return Faults{}, fmt.Errorf("m365sim: tenant %q: %w", tenantRef, ErrNotFound)
	}
	t.Faults = &f
	s.saver.markDirty()
	return f, nil
}

// TenantFaults returns the faults in force for a tenant.
func (s *Sim) TenantFaults(tenantRef string) (Faults, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.findTenant(tenantRef)
	if t == nil {
		return Faults{}, fmt.Errorf("m365sim: tenant %q: %w", tenantRef, ErrNotFound)
	}
	return s.faultsLocked(t), nil
}

// latency waits the configured latency or until the request ends.
func (s *Sim) latency(ctx context.Context, f Faults) error {
	if f.Latency <= 0 {
		return nil
	}
	tm := time.NewTimer(time.Duration(f.Latency))
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("m365sim: request ended: %w", ctx.Err())
	case <-tm.C:
		return nil
	}
}

// tenantLimiters counts in-flight InvokeCommand requests per tenant.
type tenantLimiters struct {
	mu       sync.Mutex
	inflight map[string]int
}

func newTenantLimiters() *tenantLimiters { return &tenantLimiters{inflight: map[string]int{}} }

// acquire takes a slot for tenant unless limit slots are taken; it returns
// the number in flight after acquiring.
func (l *tenantLimiters) acquire(tenant string, limit int) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inflight[tenant] >= limit {
		return l.inflight[tenant], false
	}
	l.inflight[tenant]++
	return l.inflight[tenant], true
}

func (l *tenantLimiters) release(tenant string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight[tenant]--
	if l.inflight[tenant] <= 0 {
		delete(l.inflight, tenant)
	}
}

// injectedFault is the outcome of the per-request fault draw.
type injectedFault int

const (
	faultNone injectedFault = iota
	fault429
	fault503
	fault504
	faultDrop
)

// drawFault picks at most one fault for an InvokeCommand request.
func (s *Sim) drawFault(f Faults) injectedFault {
	if f.Rate429 == 0 && f.Rate503 == 0 && f.Rate504 == 0 && f.DropRate == 0 {
		return faultNone
	}
	x := s.randFloat()
	switch {
	case x < f.Rate429:
		return fault429
	case x < f.Rate429+f.Rate503:
		return fault503
	case x < f.Rate429+f.Rate503+f.Rate504:
		return fault504
	case x < f.Rate429+f.Rate503+f.Rate504+f.DropRate:
		return faultDrop
	}
	return faultNone
}

// dropConnection writes the start of a response and aborts the connection.
func dropConnection(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{"@odata.context":"`))
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	panic(http.ErrAbortHandler)
}
