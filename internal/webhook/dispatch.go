package webhook

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
)

// Options configure a Dispatcher. Zero values take the defaults noted.
type Options struct {
	Store store.Store
	KEK   *keyring.KEK // opens the webhooks' secrets
	Log   *slog.Logger
	// AllowInsecure lets deliveries go to http:// URLs and to loopback and
	// private addresses (an in-house receiver, tests). Off by default: a
	// tenant admin must not be able to make qtriage call the cloud metadata
	// service or the database next to it.
	AllowInsecure bool
	Poll          time.Duration // how often to look for due deliveries (1 s)
	Timeout       time.Duration // per request (10 s)
	Backoff       time.Duration // first retry delay, doubled each time (10 s)
	MaxBackoff    time.Duration // longest delay (1 h)
	MaxAttempts   int           // attempts before giving up (12: about 3½ hours with the defaults)
	Keep          time.Duration // how long finished deliveries are kept (30 days)
	Concurrency   int           // deliveries sent at once (8)
	UserAgent     string
	Now           func() time.Time
	Registerer    prometheus.Registerer // optional
}

// Dispatcher sends due deliveries until its context ends.
type Dispatcher struct {
	o      Options
	client *http.Client
	sent   *prometheus.CounterVec
}

// NewDispatcher builds a dispatcher.
func NewDispatcher(o Options) (*Dispatcher, error) {
	if o.Store == nil || o.KEK == nil {
		return nil, errors.New("webhook: a store and the master key are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Poll, time.Second)
	def(&o.Timeout, 10*time.Second)
	def(&o.Backoff, 10*time.Second)
	def(&o.MaxBackoff, time.Hour)
	def(&o.Keep, 30*24*time.Hour)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 12
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.UserAgent == "" {
		o.UserAgent = "qtriage-webhook/1"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := &Dispatcher{o: o, client: newClient(o.AllowInsecure, o.Timeout)}
	d.sent = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "qtriage_webhook_deliveries_total", Help: "Webhook delivery attempts by tenant and result (delivered, retry, failed).",
	}, []string{"tenant", "result"})
	if o.Registerer != nil {
		if err := o.Registerer.Register(d.sent); err != nil {
			return nil, fmt.Errorf("webhook: metrics: %w", err)
		}
	}
	return d, nil
}

// errNotPublic refuses a connection to a non-public address; it names no
// address.
var errNotPublic = errors.New("webhook: not a public address")

// newClient returns an HTTP client that follows no redirect and, unless
// insecure targets are allowed, connects only to public addresses: the
// check runs on the address actually dialled, after DNS, so a name that
// resolves (or re-resolves) to 169.254.169.254 is refused too.
func newClient(allowInsecure bool, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout}
	if !allowInsecure {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !publicIP(ip) {
				return errNotPublic
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // never through a proxy that could reach what the dialer refuses
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// Run sends due deliveries until ctx ends: Concurrency senders each claim
// one delivery, send it and claim the next, and wait Poll when none is due;
// old deliveries are pruned once an hour.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	lease := 2*d.o.Timeout + 30*time.Second
	for range d.o.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				sent, err := d.sendOne(ctx, lease)
				if err != nil && ctx.Err() == nil {
					d.o.Log.Warn("webhook deliveries could not be read", "err", err)
				}
				if !sent {
					sleepCtx(ctx, d.o.Poll)
				}
			}
		})
	}
	lastPrune := time.Time{}
	for ctx.Err() == nil {
		if now := d.o.Now(); now.Sub(lastPrune) > time.Hour {
			lastPrune = now
			if n, err := d.o.Store.PruneDeliveries(ctx, now.Add(-d.o.Keep)); err != nil && ctx.Err() == nil {
				d.o.Log.Warn("old webhook deliveries could not be removed", "err", err)
			} else if n > 0 {
				d.o.Log.Info("old webhook deliveries removed", "deliveries", n)
			}
		}
		sleepCtx(ctx, time.Minute)
	}
	wg.Wait()
}

// sendOne claims one due delivery and sends it; false when none was due.
func (d *Dispatcher) sendOne(ctx context.Context, lease time.Duration) (bool, error) {
	batch, err := d.o.Store.ClaimDeliveries(ctx, d.o.Now().UTC(), lease, 1)
	if err != nil || len(batch) == 0 {
		return false, err
	}
	d.deliver(ctx, batch[0])
	return true, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// RunOnce sends the deliveries due now, as Run does, and returns when none
// is left, with how many it attempted (tests, and draining).
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	// The lease covers the request and the bookkeeping; a process killed
	// meanwhile leaves the delivery to be claimed again when it ends.
	lease := 2*d.o.Timeout + 30*time.Second
	var (
		sent     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range d.o.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				ok, err := d.sendOne(ctx, lease)
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				if !ok {
					return
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	return int(sent.Load()), firstErr
}

// deliver makes one attempt and records its result.
func (d *Dispatcher) deliver(ctx context.Context, dl store.Delivery) {
	var ev struct {
		Tenant store.EventTenant `json:"tenant"`
	}
	_ = json.Unmarshal(dl.Body, &ev) // for the log and the metric only
	log := d.o.Log.With("tenant", ev.Tenant.Slug, "webhook", dl.Webhook.ID, "delivery", dl.ID, "event", dl.EventType, "attempt", dl.Attempts)
	status, err := d.send(ctx, dl)
	now := d.o.Now().UTC()
	r := store.DeliveryResult{Attempt: dl.Attempts, At: now, Status: status}
	result := "delivered"
	if err != nil {
		r.Error = err.Error()
		if dl.Attempts < d.o.MaxAttempts && retryable(status) {
			next := now.Add(d.backoff(dl.Attempts))
			r.Retry, result = &next, "retry"
			log.Info("webhook delivery failed; will retry", "status", status, "err", err, "retry_at", next)
		} else {
			result = "failed"
			log.Warn("webhook delivery failed for good", "status", status, "err", err)
		}
	}
	d.sent.WithLabelValues(ev.Tenant.Slug, result).Inc()
	// Recorded even when the process is stopping: the attempt happened.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.o.Store.FinishDelivery(fctx, dl.ID, r); err != nil {
		// Unknown now: the webhook was deleted, or the lease ran out and
		// another process has the delivery.
		log.Warn("webhook delivery result not recorded", "err", err)
	}
}

// retryable: every failure is retried except an answer that says the
// endpoint is gone for good.
func retryable(status int) bool { return status != http.StatusGone }

// backoff is the delay before attempt n+1: Backoff doubled n-1 times,
// capped, with ±20% jitter so that many deliveries do not retry in step.
func (d *Dispatcher) backoff(n int) time.Duration {
	b := d.o.Backoff
	for i := 1; i < n && b < d.o.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.o.MaxBackoff)
	return time.Duration(float64(b) * (0.8 + 0.4*rand.Float64()))
}

// transportError says why a request got no answer, in words fit for the
// delivery's record, which tenant admins read: never the URL (its token),
// nor the addresses a name resolved to or the resolver qtriage uses, which
// would let them map qtriage's network.
func transportError(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return "the host name does not resolve"
	case strings.Contains(err.Error(), errNotPublic.Error()):
		return "the host does not resolve to a public address (allowed only with webhook_allow_insecure)"
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return "no answer within the timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed before an answer"
	case errors.As(err, &opErr) && opErr.Op == "remote error":
		return "TLS handshake refused by the receiver"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // without the URL
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return "the receiver's TLS certificate is not valid: " + certErr.Err.Error()
	}
	return "request failed"
}

// send posts the delivery's body, signed, and classifies the answer.
func (d *Dispatcher) send(ctx context.Context, dl store.Delivery) (int, error) {
	if _, err := CheckURL(dl.Webhook.URL, d.o.AllowInsecure); err != nil {
		return 0, err
	}
	secret, err := d.o.KEK.Open(dl.Webhook.SecretBlob, keyring.WebhookAAD(dl.Webhook.TenantID, dl.Webhook.ID))
	if err != nil {
		return 0, fmt.Errorf("the signing secret cannot be opened: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.Webhook.URL, bytes.NewReader(dl.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", d.o.UserAgent)
	req.Header.Set(HeaderEvent, dl.EventType)
	req.Header.Set(HeaderDelivery, dl.ID)
	req.Header.Set(HeaderSignature, Sign(string(secret), d.o.Now(), dl.Body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, errors.New(transportError(err))
	}
	defer resp.Body.Close()
	// A little of the answer helps whoever reads the error; the rest is
	// drained (bounded) so the connection can be reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return resp.StatusCode, nil
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if s := bytes.TrimSpace(bytes.ToValidUTF8(snippet, nil)); len(s) > 0 {
		msg += ": " + string(s)
	}
	return resp.StatusCode, errors.New(msg)
}
