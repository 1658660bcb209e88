package m365sim

import (
	"context"
	"maps"
	"net/http"
	"strconv"
	"sync"
)

// Stats counts what the sim served, for tests to assert on.
type Stats struct {
	Requests              int            `json:"requests"`
	ByEndpoint            map[string]int `json:"by_endpoint"`
	ByStatus              map[string]int `json:"by_status"`
	ByCmdlet              map[string]int `json:"by_cmdlet"`
	ByTenant              map[string]int `json:"by_tenant"`
	TokensIssued          int            `json:"tokens_issued"`
	MaxConcurrency        int            `json:"max_concurrency"`
	MaxConcurrencyTenants map[string]int `json:"max_concurrency_by_tenant"`
}

// Endpoint names used in Stats.ByEndpoint.
const (
	EndpointOpenIDConfiguration = "openid-configuration"
	EndpointToken               = "token"
	EndpointKeys                = "keys"
	EndpointInstanceDiscovery   = "instance-discovery"
	EndpointInvokeCommand       = "invoke-command"
	EndpointAdmin               = "admin"
)

type statsCollector struct {
	mu sync.Mutex
	s  Stats
}

func newStatsCollector() *statsCollector {
	c := &statsCollector{}
	c.resetLocked()
	return c
}

func (c *statsCollector) resetLocked() {
	c.s = Stats{ByEndpoint: map[string]int{}, ByStatus: map[string]int{}, ByCmdlet: map[string]int{}, ByTenant: map[string]int{}, MaxConcurrencyTenants: map[string]int{}}
}

func (c *statsCollector) record(endpoint, tenant, cmdlet string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.Requests++
	c.s.ByEndpoint[endpoint]++
	c.s.ByStatus[strconv.Itoa(status)]++
	if cmdlet != "" {
		c.s.ByCmdlet[cmdlet]++
	}
	if tenant != "" {
		c.s.ByTenant[tenant]++
	}
}

func (c *statsCollector) tokenIssued() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.TokensIssued++
}

func (c *statsCollector) concurrency(tenant string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.MaxConcurrency = max(c.s.MaxConcurrency, n)
	c.s.MaxConcurrencyTenants[tenant] = max(c.s.MaxConcurrencyTenants[tenant], n)
}

// Stats returns a copy of the counters.
func (s *Sim) Stats() Stats {
	c := s.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.s
	out.ByEndpoint = maps.Clone(c.s.ByEndpoint)
	out.ByStatus = maps.Clone(c.s.ByStatus)
	out.ByCmdlet = maps.Clone(c.s.ByCmdlet)
	out.ByTenant = maps.Clone(c.s.ByTenant)
	out.MaxConcurrencyTenants = maps.Clone(c.s.MaxConcurrencyTenants)
	return out
}

// ResetStats zeroes the counters.
func (s *Sim) ResetStats() {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	s.stats.resetLocked()
}

// reqInfo is filled in by handlers for the stats middleware.
type reqInfo struct {
	tenant string
	cmdlet string
}

type reqInfoKey struct{}

func reqInfoFrom(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// instrument counts a handler's requests under endpoint.
func (s *Sim) instrument(endpoint string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ri := &reqInfo{}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			status := rec.status
			if status == 0 {
				status = 499 // client went away before an answer
			}
			s.stats.record(endpoint, ri.tenant, ri.cmdlet, status)
			s.logger.Debug("m365sim request", "endpoint", endpoint, "method", r.Method, "path", r.URL.Path, "status", status, "cmdlet", ri.cmdlet)
		}()
		h(rec, r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri)))
	}
}
