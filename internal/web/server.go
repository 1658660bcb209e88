// Package web serves qtriage over HTTP: the /api/v1 JSON API, health and
// readiness probes and Prometheus metrics. Handlers are methods on Server,
// which holds every dependency; errors are mapped to HTTP in one place
// (errors.go).
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// Options are the server's dependencies.
type Options struct {
	Store      store.Store
	Log        *slog.Logger
	PublicHost string           // for certificate file names
	Now        func() time.Time // optional
	// Tenants changes tenants from the console (connection form, rotation).
	// Without it the console is read-only.
	Tenants *tenant.Service
	// Actions releases and deletes at Microsoft; without it the console
	// offers no action.
	Actions Actions
	// Tester runs the connection test (the "Test connection" button);
	// without it the button is not offered.
	Tester Tester
	// Reanalyzer analyses a tenant's messages again (the "re-analyse"
	// choice of the detection settings page and POST …/reanalyze); without
	// it neither is offered.
	Reanalyzer Reanalyzer
	// Registry is where /metrics reads from and the server registers its
	// own metrics; the pipeline registers into the same one. A new registry
	// when nil.
	Registry *prometheus.Registry
	// WebhookAllowInsecure accepts http:// and private-address webhook
	// URLs (config webhook_allow_insecure).
	WebhookAllowInsecure bool
}

// Server is the HTTP handler of qtriage.
type Server struct {
	st         store.Store
	log        *slog.Logger
	publicHost string
	now        func() time.Time
	mux        *http.ServeMux
	tenants    *tenant.Service
	actions    Actions
	tester     Tester
	reanalyzer Reanalyzer

	webhookAllowInsecure bool

	pages     map[string]*template.Template
	throttle  *throttle
	csrf      *http.CrossOriginProtection
	dummyHash string // checked against when the username is unknown

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New builds the handler. The metrics registry is the server's own, so
// several servers (tests) never collide.
func New(o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("web: a store is required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PublicHost == "" {
		o.PublicHost = "qtriage.local"
	}
	s := &Server{st: o.Store, log: o.Log, publicHost: o.PublicHost, now: o.Now, mux: http.NewServeMux(), tenants: o.Tenants, actions: o.Actions, tester: o.Tester, reanalyzer: o.Reanalyzer,
		webhookAllowInsecure: o.WebhookAllowInsecure,
		throttle:             newThrottle(5, 15*time.Minute), csrf: http.NewCrossOriginProtection()}
	var err error
	if s.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	if s.dummyHash, err = HashPassword(GeneratePassword()); err != nil {
		return nil, err
	}

	reg := o.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("web: metrics: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("web: metrics: %w", err)
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "qtriage_http_requests_total", Help: "HTTP requests by route pattern and status code.",
	}, []string{"route", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "qtriage_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route"})
	for _, c := range []prometheus.Collector{s.requests, s.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("web: metrics: %w", err)
		}
	}

	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	s.mux.HandleFunc("GET /api/v1/openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(openAPI)
	})
	s.mux.Handle("GET /api/v1/tenants", s.api(s.listTenants))
	s.mux.Handle("GET /api/v1/tenants/{slug}", s.api(s.getTenant))
	s.mux.Handle("GET /api/v1/tenants/{slug}/certificates", s.api(s.listCertificates))
	s.mux.Handle("GET /api/v1/tenants/{slug}/certificate.crt", s.api(s.downloadCertificate(keyring.FormatPEM)))
	s.mux.Handle("GET /api/v1/tenants/{slug}/certificate.cer", s.api(s.downloadCertificate(keyring.FormatDER)))
	s.mux.Handle("GET /api/v1/tenants/{slug}/quarantine", s.api(s.apiQuarantine))
	s.mux.Handle("GET /api/v1/tenants/{slug}/quarantine/item", s.api(s.apiItem))
	s.mux.Handle("POST /api/v1/tenants/{slug}/quarantine/release", s.api(s.apiAction("release")))
	s.mux.Handle("POST /api/v1/tenants/{slug}/quarantine/delete", s.api(s.apiAction("delete")))
	s.mux.Handle("GET /api/v1/tenants/{slug}/audit", s.api(s.apiAudit))
	s.mux.Handle("GET /api/v1/tenants/{slug}/detection-settings", s.api(s.apiDetection))
	s.mux.Handle("PUT /api/v1/tenants/{slug}/detection-settings", s.api(s.apiSetDetection))
	s.mux.Handle("POST /api/v1/tenants/{slug}/reanalyze", s.api(s.apiReanalyze))
	s.mux.Handle("GET /api/v1/tenants/{slug}/webhooks", s.api(s.apiWebhooks))
	s.mux.Handle("POST /api/v1/tenants/{slug}/webhooks", s.api(s.apiCreateWebhook))
	s.mux.Handle("GET /api/v1/tenants/{slug}/webhooks/deliveries", s.api(s.apiDeliveries))
	s.mux.Handle("DELETE /api/v1/tenants/{slug}/webhooks/{id}", s.api(s.apiDeleteWebhook))
	s.mux.Handle("POST /api/v1/tenants/{slug}/webhooks/{id}/test", s.api(s.apiTestWebhook))
	s.mux.Handle("/api/", s.api(func(w http.ResponseWriter, r *http.Request) error {
		return errNotFound
	}))

	// The console. Every state change passes the cross-origin check.
	static, _ := fs.Sub(staticFS, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /login", s.loginPage)
	s.mux.Handle("POST /login", s.csrf.Handler(http.HandlerFunc(s.login)))
	s.mux.Handle("POST /logout", s.csrf.Handler(http.HandlerFunc(s.logout)))
	s.mux.Handle("GET /{$}", s.ui(s.home))
	s.mux.Handle("GET /t/{slug}/{$}", s.ui(s.overview))
	s.mux.Handle("GET /quarantine", s.ui(s.toTenantPage("/quarantine")))
	s.mux.Handle("GET /quarantine/{id}", s.ui(s.itemShortcut))
	s.mux.Handle("GET /settings/integrations", s.ui(s.toTenantPage("/settings/integrations")))
	s.mux.Handle("GET /settings/detection", s.ui(s.toTenantPage("/settings/detection")))
	s.mux.Handle("GET /audit", s.ui(s.toTenantPage("/audit")))
	s.mux.Handle("GET /t/{slug}/quarantine", s.ui(s.quarantineList))
	s.mux.Handle("GET /t/{slug}/quarantine/item", s.ui(s.quarantineItem))
	s.mux.Handle("GET /t/{slug}/quarantine/preview", s.ui(s.quarantinePreview))
	s.mux.Handle("POST /t/{slug}/quarantine/actions", s.ui(s.quarantineAction))
	s.mux.Handle("POST /t/{slug}/quarantine/override", s.ui(s.quarantineOverride))
	s.mux.Handle("GET /t/{slug}/audit", s.ui(s.auditPage))
	s.mux.Handle("GET /t/{slug}/settings/detection", s.ui(s.detectionPage))
	s.mux.Handle("POST /t/{slug}/settings/detection", s.ui(s.saveDetectionForm))
	s.mux.Handle("GET /t/{slug}/settings/integrations", s.ui(s.integrations))
	s.mux.Handle("GET /t/{slug}/settings/integrations/m365", s.ui(s.m365Page))
	s.mux.Handle("POST /t/{slug}/settings/integrations/m365/connection", s.ui(s.saveConnection))
	s.mux.Handle("POST /t/{slug}/settings/integrations/m365/test", s.ui(s.testConnection))
	s.mux.Handle("POST /t/{slug}/settings/integrations/m365/certificates/rotate", s.ui(s.rotateCertificate))
	s.mux.Handle("POST /t/{slug}/settings/integrations/m365/certificates/{id}/activate", s.ui(s.activateCertificate))
	s.mux.Handle("GET /t/{slug}/settings/integrations/webhooks", s.ui(s.webhooksPage))
	s.mux.Handle("POST /t/{slug}/settings/integrations/webhooks", s.ui(s.createWebhookForm))
	s.mux.Handle("POST /t/{slug}/settings/integrations/webhooks/{id}/delete", s.ui(s.deleteWebhookForm))
	s.mux.Handle("POST /t/{slug}/settings/integrations/webhooks/{id}/test", s.ui(s.testWebhookForm))
	s.mux.Handle("GET /t/{slug}/certificate.crt", s.ui(s.uiDownload(keyring.FormatPEM)))
	s.mux.Handle("GET /t/{slug}/certificate.cer", s.ui(s.uiDownload(keyring.FormatDER)))
	return s, nil
}

type ctxKey int

const requestIDKey ctxKey = iota

// requestID returns the id given to this request by ServeHTTP.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// ServeHTTP adds a request id, recovers from panics, logs and measures.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
	w.Header().Set("X-Request-Id", id)
	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in handler", "request_id", id, "panic", p)
			writeError(sw, r, s.log, errors.New("panic"))
		}
		_, route := s.mux.Handler(r)
		if route == "" {
			route = "unmatched"
		}
		d := s.now().Sub(start)
		s.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		s.duration.WithLabelValues(route).Observe(d.Seconds())
		s.log.Debug("http request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.code, "duration", d)
	}()
	setSecurityHeaders(sw.Header())
	s.mux.ServeHTTP(sw, r)
}

func setSecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.st.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "request_id", requestID(r.Context()), "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
