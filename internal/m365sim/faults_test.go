package m365sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{})
	c := validCert(t)
	res := setupTenant(t, s, "busy", c)
	tok := tokenFor(t, s, res, c)
	if _, err := s.SetFaults(res.DirectoryID, Faults{Latency: Duration(300 * time.Millisecond), RetryAfter: 1.5}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	results := make([]invokeResult, n)
	for i := range n {
		wg.Go(func() { results[i] = invoke(t, s, res.Organization, tok, "Get-QuarantineMessage", nil) })
	}
	wg.Wait()
	var ok, throttled int
	for _, r := range results {
		switch r.status {
		case 200:
			ok++
		case 429:
			throttled++
			if r.header.Get("Retry-After") != "1.5" || !strings.Contains(string(r.body), concurrencyText) {
				t.Errorf("429: %v %s", r.header, r.body)
			}
		default:
			t.Errorf("status %d", r.status)
		}
	}
	st := s.Stats()
	if ok < 3 || throttled == 0 || st.MaxConcurrency != DefaultConcurrencyLimit || st.MaxConcurrencyTenants[res.DirectoryID] != DefaultConcurrencyLimit {
		t.Errorf("ok %d throttled %d max %d", ok, throttled, st.MaxConcurrency)
	}
	if st.ByStatus["429"] != throttled || st.ByCmdlet["Get-QuarantineMessage"] != ok {
		t.Errorf("stats %+v", st)
	}
}

// faultRun counts the statuses of n sequential requests.
func faultRun(t *testing.T, seed uint64, f Faults, n int) []int {
	t.Helper()
	s := newTestSim(t, Options{Seed: seed})
	c := validCert(t)
	res := setupTenant(t, s, "flaky", c)
	tok := tokenFor(t, s, res, c)
	if _, err := s.SetFaults(res.DirectoryID, f); err != nil {
		t.Fatal(err)
	}
	var out []int
	for range n {
		r := invoke(t, s, res.Organization, tok, "Get-QuarantineMessage", nil)
		if r.status == 429 && r.header.Get("Retry-After") != "0.5" {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
		out = append(out, r.status)
	}
	return out
}

func TestFaultsAreDeterministic(t *testing.T) {
	t.Parallel()
	f := Faults{Rate429: 0.3, Rate503: 0.2, Rate504: 0.1}
	a := faultRun(t, 42, f, 30)
	b := faultRun(t, 42, f, 30)
	if !equalInts(a, b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	seen := map[int]bool{}
	for _, st := range a {
		seen[st] = true
	}
	for _, st := range []int{200, 429, 503, 504} {
		if !seen[st] {
			t.Errorf("status %d never injected: %v", st, a)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDroppedConnectionAndHungExport(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{})
	c := validCert(t)
	res := setupTenant(t, s, "broken", c)
	tok := tokenFor(t, s, res, c)
	items := seedOne(t, s, res.DirectoryID)

	post := func(ctx context.Context, cmdlet string, params map[string]any) (*http.Response, error) {
		body, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": cmdlet, "Parameters": params}})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/adminapi/beta/"+res.Organization+"/InvokeCommand", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := s.HTTPClient().Do(req)
		if err != nil {
			return nil, err
		}
		_, err = bytes.NewBuffer(nil).ReadFrom(resp.Body)
		resp.Body.Close()
		return resp, err
	}
	if _, err := s.SetFaults(res.DirectoryID, Faults{DropRate: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := post(context.Background(), "Get-QuarantineMessage", map[string]any{}); err == nil {
		t.Error("dropped connection read without error")
	}
	if _, err := s.SetFaults(res.DirectoryID, Faults{HangExport: true}); err != nil {
		t.Fatal(err)
	}
	if resp, err := post(context.Background(), "Get-QuarantineMessage", map[string]any{}); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list while export hangs: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := post(ctx, "Export-QuarantineMessage", map[string]any{"Identity": items[0].Identity()})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("hung export: %v after %v", err, time.Since(start))
	}
}
