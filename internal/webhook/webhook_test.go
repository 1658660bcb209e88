package webhook

import (
	"context"
	"crypto/rand"
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

	"github.com/google/uuid"

	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
)

func TestSignVerify(t *testing.T) {
	secret := NewSecret()
	if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	now := time.Unix(1_790_000_000, 0)
	body := []byte(`{"id":"e1","type":"ping"}`)
	sig := Sign(secret, now, body)
	if err := Verify(secret, sig, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("verify own signature: %v", err)
	}
	for name, tc := range map[string]struct {
		secret, header string
		body           []byte
		now            time.Time
		want           error
	}{
		"other body":    {secret, sig, []byte(`{"id":"e2","type":"ping"}`), now, ErrBadSignature},
		"other secret":  {NewSecret(), sig, body, now, ErrBadSignature},
		"too old":       {secret, sig, body, now.Add(6 * time.Minute), ErrStale},
		"from future":   {secret, sig, body, now.Add(-6 * time.Minute), ErrStale},
		"no header":     {secret, "", body, now, ErrNoSignature},
		"no v1":         {secret, "t=1790000000", body, now, ErrNoSignature},
		"bad timestamp": {secret, strings.Replace(sig, "t=", "t=x", 1), body, now, ErrNoSignature},
		"timestamp moved": {secret, strings.Replace(sig, "t=1790000000", "t=1790000001", 1), body, now,
			ErrBadSignature},
	} {
		if err := Verify(tc.secret, tc.header, tc.body, tc.now, 5*time.Minute); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	// Several v1 values (during a secret change) verify if one matches.
	if err := Verify(secret, sig+",v1=00ff", body, now, time.Minute); err != nil {
		t.Errorf("second v1 value: %v", err)
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://siem.example.com/hooks/qtriage?token=1", false, true},
		{"https://203.0.113.9/hook", false, false}, // documentation range
		{"https://8.8.8.8/hook", false, true},
		{"http://siem.example.com/hook", false, false},
		{"http://siem.example.com/hook", true, true},
		{"https://127.0.0.1/hook", false, false},
		{"https://127.0.0.1/hook", true, true},
		{"https://[::1]/hook", false, false},
		{"https://169.254.169.254/latest/meta-data", false, false},
		{"https://10.0.0.5/hook", false, false},
		{"https://localhost:8443/hook", false, false},
		{"https://localhost.:8443/hook", false, false},
		{"https://user:pw@siem.example.com/hook", false, false},
		{"ftp://siem.example.com/hook", true, false},
		{"https:///nohost", false, false},
		{"siem.example.com/hook", false, false},
		{"https://siem.example.com/hook#frag", false, false},
		{"https://siem.example.com/" + strings.Repeat("a", 2000), false, false},
	} {
		_, err := CheckURL(tc.url, tc.insecure)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q, insecure=%v) = %v, want ok=%v", tc.url, tc.insecure, err, tc.ok)
		}
	}
}

// The dialer refuses non-public addresses even when the URL check is
// passed by a name: here the request goes straight to the client.
func TestClientRefusesPrivateAddresses(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	_, err := newClient(false, 2*time.Second).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err == nil || !strings.Contains(err.Error(), "not a public address") {
		t.Fatalf("request to %s: %v", srv.URL, err)
	}
	if hits != 0 {
		t.Fatal("the loopback server was reached")
	}
	if _, err := newClient(true, 2*time.Second).Post(srv.URL, "application/json", strings.NewReader("{}")); err != nil || hits != 1 {
		t.Fatalf("allowed insecure: %v, hits %d", err, hits)
	}
}

// receiver is a webhook endpoint that verifies every request and answers
// with the next status of its script (200 once the script is used up).
type receiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	script []int
	got    []map[string]any
	bad    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	// The dispatcher's clock jumps hours ahead between attempts (the test
	// skips the backoff); freshness is TestSignVerify's business.
	if err := Verify(rc.secret, r.Header.Get(HeaderSignature), body, time.Now(), 1000*time.Hour); err != nil ||
		r.Header.Get("Content-Type") != "application/json" || r.Header.Get(HeaderDelivery) == "" {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil || ev["type"] != r.Header.Get(HeaderEvent) {
		rc.bad++
	}
	status := http.StatusOK
	if len(rc.script) > 0 {
		status, rc.script = rc.script[0], rc.script[1:]
	}
	if status == http.StatusOK {
		rc.got = append(rc.got, ev)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "answer of the receiver")
}

type fixture struct {
	st     store.Store
	kek    *keyring.KEK
	tenant store.Tenant
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := storetest.Open(t, storetest.SQLiteURL(t))
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	kek, err := keyring.NewKEK(key)
	if err != nil {
		t.Fatal(err)
	}
	tn := store.Tenant{ID: uuid.NewString(), Slug: "contoso", Name: "Contoso", CreatedAt: time.Now().UTC()}
	c, err := keyring.Issuer{Bits: 2048}.Issue(tn.ID, tn.Slug, kek)
	if err != nil {
		t.Fatal(err)
	}
	c.Status = store.CertActive
	if err := st.CreateTenant(context.Background(), tn, c); err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, kek: kek, tenant: tn, now: time.Now()}
}

func (f *fixture) dispatcher(t *testing.T, o Options) *Dispatcher {
	t.Helper()
	o.Store, o.KEK, o.AllowInsecure = f.st, f.kek, true
	o.Now = func() time.Time { return f.now }
	d, err := NewDispatcher(o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// drain runs the dispatcher, moving the clock past every backoff, until
// nothing is pending.
func (f *fixture) drain(t *testing.T, d *Dispatcher) int {
	t.Helper()
	attempts := 0
	for range 50 {
		n, err := d.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		attempts += n
		f.now = f.now.Add(2 * time.Hour)
		if n == 0 {
			break
		}
	}
	return attempts
}

func TestDeliveryRetriedUntilAccepted(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rc := &receiver{t: t, script: []int{500, 503}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h, secret, err := Create(ctx, f.st, f.kek, f.tenant.ID, "user:test", NewWebhook{URL: srv.URL + "/hook", Events: []string{store.EventActionTaken}}, true, f.now)
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = secret
	if string(h.SecretBlob) == secret || strings.Contains(string(h.SecretBlob), secret) {
		t.Fatal("the secret is stored in clear")
	}
	// The action is audited; the audit's transaction queues the event.
	if err := f.st.AddAudit(ctx, store.AuditEvent{ID: uuid.NewString(), TenantID: f.tenant.ID, At: f.now, Actor: "user:alice",
		Action: "quarantine.release", Identities: []string{`a\b`}, Outcome: store.AuditOK, Detail: "done"}); err != nil {
		t.Fatal(err)
	}
	d := f.dispatcher(t, Options{})
	if n := f.drain(t, d); n != 3 {
		t.Fatalf("%d attempts, want 3 (500, 503, 200)", n)
	}
	if rc.bad != 0 || len(rc.got) != 1 {
		t.Fatalf("receiver: %d bad requests, %d accepted", rc.bad, len(rc.got))
	}
	ev := rc.got[0]
	data, _ := ev["data"].(map[string]any)
	if ev["type"] != "action.taken" || data["action"] != "quarantine.release" || data["actor"] != "user:alice" {
		t.Fatalf("event: %v", ev)
	}
	ds, _ := f.st.Deliveries(ctx, f.tenant.ID, 10)
	if len(ds) != 1 || ds[0].State != store.DeliveryDelivered || ds[0].Attempts != 3 || ds[0].LastStatus != 200 {
		t.Fatalf("delivery: %+v", ds)
	}
	w, _ := f.st.Webhook(ctx, f.tenant.ID, h.ID)
	if w.LastStatus != 200 || w.LastError != "" {
		t.Fatalf("webhook's last result: %d %q", w.LastStatus, w.LastError)
	}
}

func TestDeliveryGivesUp(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		script   []int
		attempts int
	}{
		{"always 500", []int{500, 500, 500, 500, 500}, 3},
		{"410 gone", []int{410}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := &receiver{t: t, script: tc.script}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			h, secret, err := Create(ctx, f.st, f.kek, f.tenant.ID, "user:test", NewWebhook{URL: srv.URL}, true, f.now)
			if err != nil {
				t.Fatal(err)
			}
			rc.secret = secret
			id, err := f.st.PingWebhook(ctx, f.tenant.ID, h.ID, f.now)
			if err != nil {
				t.Fatal(err)
			}
			d := f.dispatcher(t, Options{MaxAttempts: 3})
			if n := f.drain(t, d); n != tc.attempts {
				t.Fatalf("%d attempts, want %d", n, tc.attempts)
			}
			ds, _ := f.st.Deliveries(ctx, f.tenant.ID, 100)
			for _, dl := range ds {
				if dl.ID == id && (dl.State != store.DeliveryFailed || !strings.Contains(dl.LastError, "answer of the receiver")) {
					t.Fatalf("delivery: %+v", dl)
				}
			}
			if err := f.st.DeleteWebhook(ctx, f.tenant.ID, h.ID); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	d := &Dispatcher{o: Options{Backoff: 10 * time.Second, MaxBackoff: time.Hour}}
	prev := time.Duration(0)
	for n := 1; n <= 12; n++ {
		b := d.backoff(n)
		base := min(10*time.Second<<(n-1), time.Hour)
		if b < base*8/10 || b > base*12/10 {
			t.Errorf("backoff(%d) = %s, want %s ± 20%%", n, b, base)
		}
		if n > 1 && b < prev/2 {
			t.Errorf("backoff(%d) = %s shrank from %s", n, b, prev)
		}
		prev = b
	}
}

func TestCreateValidates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, w := range map[string]NewWebhook{
		"http":          {URL: "http://siem.example.com/"},
		"private":       {URL: "https://192.168.1.10/"},
		"unknown event": {URL: "https://siem.example.com/", Events: []string{"mail.read"}},
		"long desc":     {URL: "https://siem.example.com/", Description: strings.Repeat("x", 201)},
	} {
		if _, _, err := Create(ctx, f.st, f.kek, f.tenant.ID, "user:test", w, false, f.now); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	h, _, err := Create(ctx, f.st, f.kek, f.tenant.ID, "user:test", NewWebhook{URL: "https://siem.example.com/"}, false, f.now)
	if err != nil || len(h.Events) != len(store.EventTypes) {
		t.Fatalf("default events: %v %v", h.Events, err)
	}
	for range MaxPerTenant - 1 {
		if _, _, err := Create(ctx, f.st, f.kek, f.tenant.ID, "user:test", NewWebhook{URL: "https://siem.example.com/"}, false, f.now); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := Create(ctx, f.st, f.kek, f.tenant.ID, "user:test", NewWebhook{URL: "https://siem.example.com/"}, false, f.now); !errors.Is(err, ErrInvalid) {
		t.Fatalf("webhook %d: %v", MaxPerTenant+1, err)
	}
}

func TestRedacted(t *testing.T) {
	for in, want := range map[string]string{
		"https://siem.example.com/hook?token=s3cret":               "https://siem.example.com/…",
		"https://hooks.chat.example/services/T000/B000/s3cret":     "https://hooks.chat.example/…",
		"https://siem.example.com":                                 "https://siem.example.com",
		"https://user:s3cret@siem.example.com:8443/?s3cret=1#frag": "https://siem.example.com:8443/…",
	} {
		if got := Redacted(in); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("Redacted(%q) = %q, want %q", in, got, want)
		}
	}
}

// A failed request is recorded without the URL (its token) and without the
// addresses qtriage's resolver gave, which a tenant admin could otherwise
// use to map qtriage's network.
func TestTransportErrorsNameNoAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	for _, tc := range []struct {
		insecure bool
		url      string
		want     string
	}{
		{false, srv.URL + "/hook?token=SUPERSECRET", "not resolve to a public address"},
		{true, "http://127.0.0.1:1/hook?token=SUPERSECRET", "connection refused"},
	} {
		_, err := newClient(tc.insecure, 2*time.Second).Post(tc.url, "application/json", strings.NewReader("{}"))
		if err == nil {
			t.Fatalf("%s: no error", tc.url)
		}
		msg := transportError(err)
		if !strings.Contains(msg, tc.want) || strings.Contains(msg, "SUPERSECRET") || strings.Contains(msg, "127.0.0.1") {
			t.Errorf("%s: recorded %q, want %q without URL or address", tc.url, msg, tc.want)
		}
	}
}

// A receiver that answers slowly holds one sender, not all of them: another
// webhook's delivery, queued after ten of the slow one's, goes out first.
func TestSlowReceiverDoesNotHoldOthers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var slowDone atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		slowDone.Add(1)
	}))
	defer slow.Close()
	fastAt := make(chan int64, 1)
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case fastAt <- slowDone.Load():
		default:
		}
	}))
	defer fast.Close()
	hs, _, err := Create(ctx, f.st, f.kek, f.tenant.ID, "user:test", NewWebhook{URL: slow.URL}, true, f.now)
	if err != nil {
		t.Fatal(err)
	}
	hf, _, err := Create(ctx, f.st, f.kek, f.tenant.ID, "user:test", NewWebhook{URL: fast.URL}, true, f.now)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := f.st.PingWebhook(ctx, f.tenant.ID, hs.ID, f.now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.PingWebhook(ctx, f.tenant.ID, hf.ID, f.now); err != nil {
		t.Fatal(err)
	}
	d, err := NewDispatcher(Options{Store: f.st, KEK: f.kek, AllowInsecure: true, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-fastAt:
		if n > 2 {
			t.Errorf("the fast receiver's delivery waited for %d of the slow one's", n)
		}
	default:
		t.Fatal("the fast receiver got nothing")
	}
	if slowDone.Load() != 10 {
		t.Fatalf("slow receiver got %d of 10", slowDone.Load())
	}
}
