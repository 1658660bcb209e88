package exchange_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/entra"
	"github.com/qtriage/qtriage/internal/exchange"
)

// entra.Source is the token source qtriage uses.
var _ exchange.TokenSource = (*entra.Source)(nil)

// fakeTokens counts what the client asks for.
type fakeTokens struct {
	mu        sync.Mutex
	n         int
	refreshes int
}

func (f *fakeTokens) Token(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		f.n = 1
	}
	return "token-" + string(rune('0'+f.n)), nil
}

func (f *fakeTokens) Refresh(_ context.Context, rejected string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	f.n++
	return "token-" + string(rune('0'+f.n)), nil
}

// recorded is one request the fake Exchange saw.
type recorded struct {
	header http.Header
	path   string
	body   map[string]any
}

// fakeExchange answers with the handlers in turn (the last one repeats).
func fakeExchange(t *testing.T, handlers ...http.HandlerFunc) (*exchange.Client, *fakeTokens, func() []recorded) {
	t.Helper()
	var (
		mu   sync.Mutex
		reqs []recorded
		n    atomic.Int32
	)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		mu.Lock()
		reqs = append(reqs, recorded{header: r.Header.Clone(), path: r.URL.Path, body: body})
		mu.Unlock()
		i := min(int(n.Add(1))-1, len(handlers)-1)
		handlers[i](w, r)
	}))
	t.Cleanup(srv.Close)
	toks := &fakeTokens{}
	c, err := exchange.New(exchange.Config{
		BaseURL: srv.URL, Organization: "contoso.onmicrosoft.com", DirectoryID: "6f1c1e44-8a4b-4d4e-9a55-6d0a3a1d2c01",
		Tokens: toks, HTTPClient: srv.Client(), RetryBase: time.Millisecond, MaxWait: 200 * time.Millisecond,
		Timeout: 2 * time.Second, ExportTimeout: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, toks, func() []recorded {
		mu.Lock()
		defer mu.Unlock()
		return append([]recorded(nil), reqs...)
	}
}

func ok(rows string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"@odata.context":"x","adminapi.warnings@odata.type":"#Collection(String)","@adminapi.warnings":[],"value":`+rows+`}`)
	}
}

func status(code int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func TestWireRequest(t *testing.T) {
	t.Parallel()
	c, _, reqs := fakeExchange(t, status(503, "Service Unavailable"), status(429, `{"error":{"code":"TooManyRequests","message":"Invalid Operation"}}`, "Retry-After", "0.05"), ok(`[]`))
	reported := true
	f := exchange.Filter{
		StartReceived: time.Date(2026, 11, 20, 10, 0, 0, 123, time.FixedZone("CET", 3600)),
		Types:         []exchange.QuarantineType{exchange.TypePhish, exchange.TypeHighConfPhish},
		Senders:       []string{"a@example.com"}, Reported: &reported, PageSize: 50,
	}
	start := time.Now()
	if _, err := c.ListAll(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("Retry-After 0.05 not honoured: retried after %v", d)
	}
	rs := reqs()
	if len(rs) != 3 {
		t.Fatalf("%d requests, want 3", len(rs))
	}
	rid := rs[0].header.Get("client-request-id")
	for _, r := range rs {
		h := r.header
		if r.path != "/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand" {
			t.Errorf("path %s", r.path)
		}
		for k, want := range map[string]string{
			"Authorization": "Bearer token-1", "Content-Type": "application/json", "Accept": "application/json",
			"X-CmdletName":    "Get-QuarantineMessage",
			"X-AnchorMailbox": "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@6f1c1e44-8a4b-4d4e-9a55-6d0a3a1d2c01",
			"Prefer":          "odata.maxpagesize=1000", "client-request-id": rid,
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %q, want %q", k, got, want)
			}
		}
	}
	if len(rid) != 36 {
		t.Errorf("client-request-id %q is not a GUID", rid)
	}
	in := rs[0].body["CmdletInput"].(map[string]any)
	p := in["Parameters"].(map[string]any)
	want := `{"Page":1,"PageSize":50,"QuarantineTypes":["Phish","HighConfPhish"],"Reported":true,"SenderAddress":["a@example.com"],"StartReceivedDate":"2026-11-20T09:00:00"}`
	if got, _ := json.Marshal(p); string(got) != want || in["CmdletName"] != "Get-QuarantineMessage" {
		t.Errorf("parameters %s\nwant %s", got, want)
	}
}

func TestWireEmptyParameters(t *testing.T) {
	t.Parallel()
	c, _, reqs := fakeExchange(t, ok(`[]`))
	if _, err := c.Invoke(t.Context(), "Get-ServicePrincipal", nil); err != nil {
		t.Fatal(err)
	}
	if p, ok := reqs()[0].body["CmdletInput"].(map[string]any)["Parameters"].(map[string]any); !ok || len(p) != 0 {
		t.Fatalf("Parameters %v, want {}", reqs()[0].body)
	}
}

func TestWireDecode(t *testing.T) {
	t.Parallel()
	row := `[{"Identity":"86bab6ca-b175-4b84-d76c-08dee7cf55a8\\3423484b-11a9-58cc-cf4e-784af1dcf73c",
	 "ReceivedTime@data.type":"System.DateTime","ReceivedTime":"2026-07-22T08:58:01.4564204+02:00",
	 "RecipientAddress@odata.type":"#Collection(String)","RecipientAddress":["rob@m7kni.io"],
	 "Size":"170641","Type":"High Confidence Phish","QuarantineTypes":"HighConfPhish","ReleaseStatus":"NOTRELEASED",
	 "Expires":"2026-08-21T08:58:01.4564204+00:00","Released":"False","Direction":"inbound","RecipientTag":"Priority Account"}]`
	c, _, _ := fakeExchange(t, ok(row))
	ms, err := c.ListAll(t.Context(), exchange.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	if m.Type != exchange.TypeHighConfPhish || m.TypeDisplay != "High Confidence Phish" || m.ReleaseStatus != exchange.StatusNotReleased ||
		m.Size != 170641 || m.Direction != exchange.Inbound || len(m.RecipientTag) != 1 || m.Released {
		t.Errorf("%+v", m)
	}
	if want := time.Date(2026, 7, 22, 6, 58, 1, 456420400, time.UTC); !m.ReceivedTime.Equal(want) || m.ReceivedTime.Location() != time.UTC {
		t.Errorf("received %v, want %v", m.ReceivedTime, want)
	}
}

func TestWireErrors(t *testing.T) {
	t.Parallel()
	badRequest := `{"error":{"code":"BadRequest","message":"Invalid Operation","details":[{"code":"Client","target":"","message":"|Microsoft.Exchange.Management.FfoQuarantine.InvalidQuarantineMessageIdentityException|The message identity 'x' is not valid. Please input a valid message identity."}],"innererror":{"message":"Invalid Operation","type":"T","internalexception":{"message":"The message identity 'x' is not valid. Please input a valid message identity.","type":"Microsoft.Exchange.Management.FfoQuarantine.InvalidQuarantineMessageIdentityException"}}}}`
	notFound := `{"error":{"code":"NotFound","message":"Error executing cmdlet","details":[{"code":"Client","message":"Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found on 'y'."}]}}`
	for _, tc := range []struct {
		name     string
		handlers []http.HandlerFunc
		kind     error
		text     string
		requests int
		refresh  int
	}{
		{"error/invalid identity", []http.HandlerFunc{status(400, badRequest)}, exchange.ErrInvalidParameter, "is not valid", 1, 0},
		{"error/not found", []http.HandlerFunc{status(404, notFound, "request-id", "rid-1")}, exchange.ErrNotFound, "couldn't be found", 1, 0},
		{"error/forbidden body not json", []http.HandlerFunc{status(403, strings.Repeat("\x00", 64))}, exchange.ErrForbidden, "Forbidden", 1, 0},
		{"error/unauthorized after one refresh", []http.HandlerFunc{status(401, "")}, exchange.ErrUnauthorized, "", 2, 1},
		{"error/expired token refreshed", []http.HandlerFunc{status(401, ""), ok(`[{"Header":"h"}]`)}, nil, "", 2, 1},
		{"error/throttled to the end", []http.HandlerFunc{status(429, "", "Retry-After", "0.001")}, exchange.ErrThrottled, "", exchange.DefaultMaxAttempts, 0},
		{"error/transient to the end", []http.HandlerFunc{status(504, "Gateway Timeout")}, exchange.ErrTransient, "", exchange.DefaultMaxAttempts, 0},
		{"error/truncated answer retried", []http.HandlerFunc{status(200, `{"@odata.context":"`), ok(`[{"Header":"h"}]`)}, nil, "", 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, toks, reqs := fakeExchange(t, tc.handlers...)
			_, err := c.Header(t.Context(), "x")
			if tc.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
			} else if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %v, want %v with %q", err, tc.kind, tc.text)
			}
			var e *exchange.Error
			if tc.kind != nil && (!errors.As(err, &e) || e.Attempts != tc.requests) {
				t.Errorf("error %#v: attempts, want %d", e, tc.requests)
			}
			if n := len(reqs()); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			if toks.refreshes != tc.refresh {
				t.Errorf("%d refreshes, want %d", toks.refreshes, tc.refresh)
			}
		})
	}
}

func TestWireHungExport(t *testing.T) {
	t.Parallel()
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	c, _, reqs := fakeExchange(t, hang, hang, ok(`[{"Identity":"a\\b","Eml":"SGVsbG8=","BodyEncoding":"Base64"}]`))
	eml, err := c.Export(t.Context(), `a\b`)
	if err != nil || string(eml) != "Hello" {
		t.Fatalf("%q %v", eml, err)
	}
	if n := len(reqs()); n != 3 {
		t.Fatalf("%d requests", n)
	}
}

func TestWireReleaseParameters(t *testing.T) {
	t.Parallel()
	c, _, reqs := fakeExchange(t, ok(`[]`))
	if err := c.Release(t.Context(), []string{"a", "b"}, exchange.ReleaseOptions{Users: []string{"u@x"}, AllowSender: true, ReportFalsePositive: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(t.Context(), []string{"a"}, true); err != nil {
		t.Fatal(err)
	}
	rs := reqs()
	got := func(i int) string {
		b, _ := json.Marshal(rs[i].body["CmdletInput"].(map[string]any)["Parameters"])
		return string(b)
	}
	if want := `{"AllowSender":true,"Identities":["a","b"],"Identity":"000","ReportFalsePositive":true,"User":["u@x"]}`; got(0) != want {
		t.Errorf("release %s", got(0))
	}
	if want := `{"Confirm":false,"HardDelete":true,"Identity":"a"}`; got(1) != want {
		t.Errorf("delete %s", got(1))
	}
	if err := c.Release(t.Context(), []string{"a"}, exchange.ReleaseOptions{}); !errors.Is(err, exchange.ErrInvalidParameter) {
		t.Errorf("release without target: %v", err)
	}
}

// TestWirePagingShift: an item pushed onto the next page by new mail is
// listed once.
func TestWirePagingShift(t *testing.T) {
	t.Parallel()
	row := func(id string) string { return `{"Identity":"` + id + `"}` }
	c, _, reqs := fakeExchange(t, ok(`[`+row("a")+`,`+row("b")+`]`), ok(`[`+row("b")+`,`+row("c")+`]`), ok(`[`+row("d")+`]`))
	ms, err := c.ListAll(t.Context(), exchange.Filter{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Identity)
	}
	if strings.Join(ids, ",") != "a,b,c,d" || len(reqs()) != 3 {
		t.Fatalf("%v after %d requests", ids, len(reqs()))
	}
}

func TestClients(t *testing.T) {
	t.Parallel()
	built := 0
	p := &exchange.Clients{New: func(ctx context.Context, tenant string) (*exchange.Client, error) {
		if tenant == "bad" {
			return nil, errors.New("no connection")
		}
		built++
		return exchange.New(exchange.Config{BaseURL: "https://example.invalid", Organization: tenant + ".onmicrosoft.com", Tokens: &fakeTokens{}})
	}}
	a1, err := p.Get(t.Context(), "a")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := p.Get(t.Context(), "a")
	b, _ := p.Get(t.Context(), "b")
	if a1 != a2 || a1 == b || built != 2 {
		t.Fatalf("same tenant, different clients (built %d)", built)
	}
	if _, err := p.Get(t.Context(), "bad"); err == nil {
		t.Fatal("no error")
	}
	p.Forget("a")
	if a3, _ := p.Get(t.Context(), "a"); a3 == a1 || built != 3 {
		t.Fatal("Forget kept the client")
	}
}
