// Package exchange runs Exchange Online admin cmdlets through the admin
// API's InvokeCommand endpoint, and offers the quarantine cmdlets as typed
// methods.
//
// A Client belongs to one tenant. It sends the headers the service expects
// (a client-request-id stable across retries, the anchor mailbox, the page
// size preference), encodes parameters the way the service reads them
// (UTC dates, arrays, switches), retries what is transient (429 honouring
// a fractional Retry-After, 5xx, dropped connections, a timed-out attempt;
// one 401 with a fresh token), and keeps the tenant's requests in flight
// under a limit that halves when the service throttles and grows back
// slowly. Failures are *Error values whose Kind callers test with
// errors.Is. No HTTP type leaves the package.
package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// TokenSource hands out access tokens for Exchange Online
// (*entra.Source is one).
type TokenSource interface {
	// Token returns a valid token, from a cache while it lasts.
	Token(ctx context.Context) (string, error)
	// Refresh returns a token other than rejected, which Exchange refused.
	Refresh(ctx context.Context, rejected string) (string, error)
}

// Defaults of Config.
const (
	DefaultConcurrency   = 3
	DefaultTimeout       = 2 * time.Minute
	DefaultExportTimeout = time.Minute
	DefaultMaxAttempts   = 6 // the first try and five retries, like Microsoft's module
	DefaultRetryBase     = 2 * time.Second
	DefaultMaxWait       = time.Minute
	DefaultPageSize      = 1000
	// maxResponse bounds an answer read into memory (a bulk export).
	maxResponse = 512 << 20
)

// Config builds a Client. BaseURL, Organization and Tokens are required.
type Config struct {
	// BaseURL is Exchange's base URL, before /adminapi, e.g.
	// https://outlook.office365.com.
	BaseURL string
	// Organization is the tenant's *.onmicrosoft.com domain (or its
	// directory id).
	Organization string
	// DirectoryID is the tenant's directory id, for the anchor mailbox;
	// Organization is used when empty.
	DirectoryID string
	Tokens      TokenSource
	// HTTPClient carries the requests; it needs the CA of the service.
	HTTPClient *http.Client
	// Concurrency is the most requests in flight (default 3). Throttling
	// lowers the effective limit for a while.
	Concurrency int
	// Slots, when set, also bounds the requests in flight to the tenant
	// across processes (several workers on one PostgreSQL database): each
	// attempt holds one of Concurrency slots named by the tenant's
	// organization. Nil: the limit is this process's only.
	Slots Slots
	// Timeout bounds one attempt of a cmdlet (default 2 minutes);
	// ExportTimeout one attempt of Export-QuarantineMessage, which is
	// known to hang (default 1 minute). A timed-out attempt is retried.
	Timeout, ExportTimeout time.Duration
	// MaxAttempts bounds the attempts of a cmdlet (default 6).
	MaxAttempts int
	// RetryBase is the first backoff without Retry-After, doubled at each
	// attempt, with jitter (default 2s); MaxWait caps one wait, also a
	// Retry-After (default 1 minute).
	RetryBase, MaxWait time.Duration
	// PageSize is the PageSize of listings (default 1000, the most).
	PageSize int
	// ThrottleCooldown is the least time between two cuts of the limit
	// (default 1s); RecoverAfter the successes in a row that raise it by
	// one (default 20).
	ThrottleCooldown time.Duration
	RecoverAfter     int
	// AbandonLinger is how long an attempt given up (its timeout, a
	// cancelled context) keeps its slot: the service notices the closed
	// request only later (default 1s).
	AbandonLinger time.Duration
	// Now, Rand and NewRequestID default to time.Now, math/rand/v2 and
	// random UUIDs.
	Now          func() time.Time
	Rand         func() float64
	NewRequestID func() string
	// Log receives one line per retried or failed request; default
	// discards. Message contents and tokens are never logged.
	Log *slog.Logger
	// OnThrottled, if set, is called for every throttled (429) answer,
	// retried or not, for metrics.
	OnThrottled func()
}

// Slots is a counting semaphore shared by processes: Acquire blocks until
// one of n slots of key is free (or ctx ends) and returns its release. A
// slot of a process that dies must free itself.
type Slots interface {
	Acquire(ctx context.Context, key string, n int) (release func(), err error)
}

// Client runs cmdlets in one tenant. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	anchor   string
	lim      *limiter
}

// New checks cfg and returns a client. It does no I/O.
func New(cfg Config) (*Client, error) {
	if cfg.Tokens == nil {
		return nil, errors.New("exchange: no token source")
	}
	if cfg.Organization == "" {
		return nil, errors.New("exchange: no organization")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("exchange: base URL %q must be an absolute https:// URL", cfg.BaseURL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 20 * time.Minute}
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.Timeout, DefaultTimeout)
	def(&cfg.ExportTimeout, DefaultExportTimeout)
	def(&cfg.RetryBase, DefaultRetryBase)
	def(&cfg.MaxWait, DefaultMaxWait)
	def(&cfg.ThrottleCooldown, time.Second)
	def(&cfg.AbandonLinger, time.Second)
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.PageSize <= 0 || cfg.PageSize > 1000 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.RecoverAfter <= 0 {
		cfg.RecoverAfter = 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.NewRequestID == nil {
		cfg.NewRequestID = uuid.NewString
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	anchorTenant := cfg.DirectoryID
	if anchorTenant == "" {
		anchorTenant = cfg.Organization
	}
	return &Client{
		cfg:      cfg,
		endpoint: strings.TrimSuffix(cfg.BaseURL, "/") + "/adminapi/beta/" + url.PathEscape(cfg.Organization) + "/InvokeCommand",
		anchor:   "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + anchorTenant,
		lim:      newLimiter(cfg.Concurrency, cfg.ThrottleCooldown, cfg.RecoverAfter, cfg.Now),
	}, nil
}

// Concurrency returns the current limit of requests in flight and the most
// that were ever in flight at once.
func (c *Client) Concurrency() (limit, peak int) { return c.lim.state() }

// Row is one output object of a cmdlet, without the @data.type and
// @odata.type sidecar keys.
type Row map[string]json.RawMessage

// Invoke runs a cmdlet with its parameters (see Params) and returns its
// output rows.
func (c *Client) Invoke(ctx context.Context, cmdlet string, params Params) ([]Row, error) {
	return c.invoke(ctx, call{cmdlet: cmdlet, params: params, timeout: c.cfg.Timeout})
}

// call is one cmdlet invocation.
type call struct {
	cmdlet  string
	params  Params
	timeout time.Duration
	// doneIfRetried says that an error seen on a retry means an earlier
	// attempt whose answer was lost succeeded (a release answering
	// "already released").
	doneIfRetried func(*Error) bool
}

// invokeBody is InvokeCommand's request body.
type invokeBody struct {
	CmdletInput struct {
		CmdletName string         `json:"CmdletName"`
		Parameters map[string]any `json:"Parameters"`
	} `json:"CmdletInput"`
}

// invokeAnswer is InvokeCommand's success body.
type invokeAnswer struct {
	Value    []map[string]json.RawMessage `json:"value"`
	Warnings []string                     `json:"@adminapi.warnings"`
	NextLink string                       `json:"@odata.nextLink"`
}

func (c *Client) invoke(ctx context.Context, cl call) ([]Row, error) {
	var body invokeBody
	body.CmdletInput.CmdletName = cl.cmdlet
	body.CmdletInput.Parameters = cl.params.encode()
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("exchange: %s: encode parameters: %w", cl.cmdlet, err)
	}
	rid := c.cfg.NewRequestID()
	token, err := c.cfg.Tokens.Token(ctx)
	if err != nil {
		return nil, &Error{Kind: ErrToken, Cmdlet: cl.cmdlet, ClientRequestID: rid, err: err}
	}
	refreshed := false
	var last *Error
	for attempt := 1; ; attempt++ {
		rows, e, wait := c.attempt(ctx, cl, payload, rid, token)
		if e == nil {
			return rows, nil
		}
		e.Attempts = attempt
		if ctx.Err() != nil {
			e.Kind, e.err = ErrTransient, ctx.Err()
			return nil, e
		}
		if cl.doneIfRetried != nil && answerLost(last) && cl.doneIfRetried(e) {
			c.cfg.Log.Info("exchange: an earlier attempt succeeded", "cmdlet", cl.cmdlet, "client_request_id", rid, "attempt", attempt)
			return nil, nil
		}
		last = e
		switch {
		case e.Kind == ErrUnauthorized && !refreshed:
			// Once, with a new token: the old one may have expired.
			refreshed = true
			if token, err = c.cfg.Tokens.Refresh(ctx, token); err != nil {
				return nil, &Error{Kind: ErrToken, Cmdlet: cl.cmdlet, ClientRequestID: rid, Attempts: attempt, err: err}
			}
			continue
		case !e.Transient() || attempt >= c.cfg.MaxAttempts:
			c.cfg.Log.Warn("exchange: cmdlet failed", "cmdlet", cl.cmdlet, "status", e.Status, "kind", e.Kind.Error(),
				"request_id", e.RequestID, "client_request_id", rid, "attempts", attempt)
			return nil, e
		}
		if wait <= 0 {
			wait = c.cfg.RetryBase << (attempt - 1)
			wait = time.Duration(float64(wait) * (0.5 + c.cfg.Rand()))
		}
		wait = min(wait, c.cfg.MaxWait)
		c.cfg.Log.Debug("exchange: retrying", "cmdlet", cl.cmdlet, "status", e.Status, "kind", e.Kind.Error(),
			"request_id", e.RequestID, "client_request_id", rid, "attempt", attempt, "wait", wait)
		if err := sleep(ctx, wait); err != nil {
			e.Kind, e.err = ErrTransient, err
			return nil, e
		}
	}
}

// attempt makes one request under the concurrency limit. It returns the
// rows, or the error and how long the service asked to wait.
func (c *Client) attempt(ctx context.Context, cl call, payload []byte, rid, token string) ([]Row, *Error, time.Duration) {
	fail := func(kind error, err error) *Error {
		return &Error{Kind: kind, Cmdlet: cl.cmdlet, ClientRequestID: rid, err: err}
	}
	if err := c.lim.acquire(ctx); err != nil {
		return nil, fail(ErrTransient, err), 0
	}
	freeSlot := func() {}
	if c.cfg.Slots != nil {
		var err error
		if freeSlot, err = c.cfg.Slots.Acquire(ctx, c.cfg.Organization, c.cfg.Concurrency); err != nil {
			c.lim.release(outcomeOther)
			return nil, fail(ErrTransient, err), 0
		}
	}
	o := outcomeOther
	actx, cancel := context.WithTimeout(ctx, cl.timeout)
	defer cancel()
	defer func() {
		if actx.Err() != nil {
			// Abandoned (timed out or cancelled): the service may still be
			// running it and counting it against the tenant's limit.
			time.AfterFunc(c.cfg.AbandonLinger, func() { freeSlot(); c.lim.release(o) })
			return
		}
		freeSlot()
		c.lim.release(o)
	}()

	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.endpoint, bytes.NewReader(payload))
	if err != nil {
		return nil, fail(ErrBadResponse, err), 0
	}
	h := req.Header
	h.Set("Authorization", "Bearer "+token)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	h.Set("X-CmdletName", cl.cmdlet)
	h.Set("X-AnchorMailbox", c.anchor)
	h.Set("client-request-id", rid)
	h.Set("Prefer", "odata.maxpagesize=1000")
	h.Set("User-Agent", "qtriage")

	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		// A refused or dropped connection, or the attempt's timeout.
		return nil, fail(ErrTransient, transportError(err, actx)), 0
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	e := &Error{Cmdlet: cl.cmdlet, ClientRequestID: rid, Status: resp.StatusCode, RequestID: resp.Header.Get("request-id")}
	if err != nil && resp.StatusCode == http.StatusOK {
		// The connection dropped in the middle of the answer.
		e.Kind, e.err = ErrTransient, transportError(err, actx)
		return nil, e, 0
	}
	if err != nil {
		// An error answer whose body cannot be read: Exchange's 403 is a
		// run of NUL bytes labelled gzip. The status says enough.
		data = nil
	}
	if len(data) > maxResponse {
		e.Kind, e.Message = ErrBadResponse, "answer larger than 512 MiB"
		return nil, e, 0
	}
	if resp.StatusCode != http.StatusOK {
		decodeError(e, resp.StatusCode, data)
		if e.Kind == ErrThrottled {
			o = outcomeThrottled
			if c.cfg.OnThrottled != nil {
				c.cfg.OnThrottled()
			}
		} else if e.Kind != ErrTransient {
			o = outcomeOK // the service answered: not a sign of overload
		}
		return nil, e, retryAfter(resp.Header, c.cfg.Now())
	}
	o = outcomeOK
	var ans invokeAnswer
	if err := json.Unmarshal(data, &ans); err != nil {
		// A 200 cut short is a dropped connection, not a bad answer.
		e.Kind, e.err = ErrTransient, fmt.Errorf("truncated or invalid JSON: %w", err)
		return nil, e, 0
	}
	rows := make([]Row, 0, len(ans.Value))
	for _, v := range ans.Value {
		r := make(Row, len(v))
		for k, raw := range v {
			if strings.Contains(k, "@") {
				continue // "ReceivedTime@data.type" and friends
			}
			r[k] = raw
		}
		rows = append(rows, r)
	}
	if len(ans.Warnings) > 0 || ans.NextLink != "" {
		c.cfg.Log.Info("exchange: cmdlet warnings", "cmdlet", cl.cmdlet, "warnings", ans.Warnings,
			"truncated", ans.NextLink != "", "request_id", e.RequestID)
	}
	return rows, nil, 0
}

// answerLost reports whether e is an attempt that may have run the cmdlet
// without the answer reaching us: no status, or a 200 cut short.
func answerLost(e *Error) bool {
	return e != nil && e.Kind == ErrTransient && (e.Status == 0 || e.Status == http.StatusOK)
}

// transportError names a timed-out attempt as such, without claiming that
// the caller's own deadline passed.
func transportError(err error, actx context.Context) error {
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return errAttemptTimeout
	}
	return err
}

var errAttemptTimeout = errors.New("attempt timed out")

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
