package exchange_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/entra"
	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/m365sim"
)

// newClient is the Exchange client of a sim tenant, through the real MSAL
// client over TLS, with short waits.
func newClient(t testing.TB, tn entratest.Tenant, edit ...func(*exchange.Config)) (*exchange.Client, *entra.Source) {
	t.Helper()
	src := tn.Source(t, func(c *entra.Config) { c.MaxAttempts = 50 })
	cfg := exchange.Config{
		BaseURL: tn.Connection.ExchangeURL, Organization: tn.Connection.Organization, DirectoryID: tn.Connection.DirectoryID,
		Tokens: src, HTTPClient: src.HTTPClient(),
		Timeout: 5 * time.Second, ExportTimeout: 5 * time.Second,
		RetryBase: 2 * time.Millisecond, MaxWait: 50 * time.Millisecond, MaxAttempts: 20,
		ThrottleCooldown: 20 * time.Millisecond, RecoverAfter: 5, AbandonLinger: 30 * time.Millisecond,
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := exchange.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, src
}

var seedTypes = []m365sim.QuarantineType{m365sim.TypeSpam, m365sim.TypePhish, m365sim.TypeHighConfPhish, m365sim.TypeMalware, m365sim.TypeBulk}

// seed quarantines n messages received over the last 14 days, with varied
// types, senders, subjects and recipients. Every third message has two
// recipients (two items).
func seed(t testing.TB, sim *m365sim.Sim, tenant string, n int) map[string][]byte {
	t.Helper()
	now := time.Now().UTC()
	byIdentity := map[string][]byte{}
	for i := range n {
		rcpt := fmt.Sprintf("user%d@contoso.example", i%4)
		to := rcpt
		if i%3 == 0 {
			to += ", boss@contoso.example"
		}
		raw := fmt.Appendf(nil, "From: Sender %d <sender%d@evil.example>\r\nTo: %s\r\nSubject: Invoice %d %s\r\nMessage-ID: <m%d-%d@evil.example>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of message %d.\r\n",
			i%5, i%5, to, i, []string{"urgent", "overdue", "hello"}[i%3], i, n, i)
		meta := m365sim.MessageMeta{
			Type:     seedTypes[i%len(seedTypes)],
			Received: now.Add(-time.Duration(i+1) * (14 * 24 * time.Hour) / time.Duration(n+1)),
		}
		if i%7 == 0 {
			meta.Direction = "Outbound"
		}
		if i%6 == 0 {
			meta.RecipientTag = []string{"Priority Account"}
		}
		items, err := sim.AddMessage(tenant, raw, meta)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			byIdentity[it.Identity()] = raw
		}
	}
	return byIdentity
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	seed(t, sim, tn.Setup.DirectoryID, 60)
	c, _ := newClient(t, tn)
	truth, err := sim.Quarantine(tn.Setup.DirectoryID)
	if err != nil {
		t.Fatal(err)
	}
	// Some items released and reported, for those filters.
	if err := c.Release(t.Context(), []string{truth[5].Identity(), truth[9].Identity()}, exchange.ReleaseOptions{ToAll: true, ReportFalsePositive: true}); err != nil {
		t.Fatal(err)
	}
	if truth, err = sim.Quarantine(tn.Setup.DirectoryID); err != nil {
		t.Fatal(err)
	}
	mid := truth[len(truth)/2].Received
	yes := true
	for _, tc := range []struct {
		name string
		f    exchange.Filter
		keep func(m365sim.QuarantineItem) bool
	}{
		{"all", exchange.Filter{}, func(m365sim.QuarantineItem) bool { return true }},
		{"type", exchange.Filter{Types: []exchange.QuarantineType{exchange.TypePhish, exchange.TypeHighConfPhish}},
			func(it m365sim.QuarantineItem) bool {
				return it.Type == m365sim.TypePhish || it.Type == m365sim.TypeHighConfPhish
			}},
		{"received window", exchange.Filter{StartReceived: mid.Add(-48 * time.Hour), EndReceived: mid},
			func(it m365sim.QuarantineItem) bool {
				return !it.Received.Before(mid.Add(-48*time.Hour).Truncate(time.Second)) && !it.Received.After(mid.Truncate(time.Second))
			}},
		{"expires window", exchange.Filter{StartExpires: mid.Add(30 * 24 * time.Hour)},
			func(it m365sim.QuarantineItem) bool {
				return !it.Expires.Before(mid.Add(30 * 24 * time.Hour).Truncate(time.Second))
			}},
		{"sender", exchange.Filter{Senders: []string{"Sender2@evil.example"}}, func(it m365sim.QuarantineItem) bool { return it.Sender == "sender2@evil.example" }},
		{"recipient", exchange.Filter{Recipients: []string{"boss@contoso.example", "user1@contoso.example"}},
			func(it m365sim.QuarantineItem) bool {
				return it.Recipient == "boss@contoso.example" || it.Recipient == "user1@contoso.example"
			}},
		{"subject", exchange.Filter{Subject: "OVERDUE"}, func(it m365sim.QuarantineItem) bool { return strings.Contains(it.Subject, "overdue") }},
		{"message id", exchange.Filter{MessageID: truth[3].MessageID}, func(it m365sim.QuarantineItem) bool { return it.MessageID == truth[3].MessageID }},
		{"direction", exchange.Filter{Direction: exchange.Outbound}, func(it m365sim.QuarantineItem) bool { return it.Direction == "Outbound" }},
		{"recipient tag", exchange.Filter{RecipientTags: []string{"priority account"}}, func(it m365sim.QuarantineItem) bool { return len(it.RecipientTag) > 0 }},
		{"release status", exchange.Filter{ReleaseStatus: []exchange.ReleaseStatus{exchange.StatusNotReleased}},
			func(it m365sim.QuarantineItem) bool { return it.ReleaseStatus == m365sim.StatusNotReleased }},
		{"policy", exchange.Filter{PolicyTypes: []string{"AntiMalwarePolicy"}, PolicyName: "Default"},
			func(it m365sim.QuarantineItem) bool {
				return it.PolicyType == "AntiMalwarePolicy" && it.PolicyName == "Default"
			}},
		{"reported", exchange.Filter{Reported: &yes}, func(it m365sim.QuarantineItem) bool { return it.Reported }},
		{"entity type", exchange.Filter{EntityType: exchange.EntityEmail}, func(it m365sim.QuarantineItem) bool { return it.EntityType == "Email" }},
		{"paging", exchange.Filter{PageSize: 7}, func(m365sim.QuarantineItem) bool { return true }},
		{"paging exact multiple", exchange.Filter{PageSize: 10}, func(m365sim.QuarantineItem) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, it := range truth {
				if tc.keep(it) {
					want = append(want, it.Identity())
				}
			}
			ms, err := c.ListAll(t.Context(), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.Identity)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %d items, want %d\n got %v\nwant %v", len(got), len(want), got, want)
			}
			if tc.name != "all" && tc.name != "received window" && !strings.HasPrefix(tc.name, "paging") && tc.name != "entity type" && (len(want) == 0 || len(want) == len(truth)) {
				t.Errorf("filter selects %d of %d: a weak test", len(want), len(truth))
			}
		})
	}
	// The decoded fields match the ground truth.
	ms, err := c.ListAll(t.Context(), exchange.Filter{MessageID: truth[0].MessageID})
	if err != nil || len(ms) == 0 {
		t.Fatal(err)
	}
	it, m := truth[0], ms[0]
	if m.SenderAddress != it.Sender || m.Subject != it.Subject || string(m.Type) != string(it.Type) || !m.ReceivedTime.Equal(it.Received.Truncate(100*time.Nanosecond)) ||
		m.ReleaseStatus != exchange.StatusNotReleased || m.Size != int64(it.Size) || !slices.Equal(m.RecipientAddress, []string{it.Recipient}) {
		t.Errorf("decoded %+v\nground truth %+v", m, it)
	}
}

func TestPagingRequests(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	seed(t, sim, tn.Setup.DirectoryID, 15) // 20 items
	c, _ := newClient(t, tn)
	for _, tc := range []struct{ size, requests int }{{7, 3}, {10, 3}, {1000, 1}} {
		sim.ResetStats()
		ms, err := c.ListAll(t.Context(), exchange.Filter{PageSize: tc.size})
		if err != nil || len(ms) != 20 {
			t.Fatalf("page size %d: %d items, %v", tc.size, len(ms), err)
		}
		if n := sim.Stats().ByCmdlet["Get-QuarantineMessage"]; n != tc.requests {
			t.Errorf("page size %d: %d requests, want %d (stop on a short page)", tc.size, n, tc.requests)
		}
	}
	// Breaking out of the iteration stops the paging.
	sim.ResetStats()
	for range c.ListQuarantine(t.Context(), exchange.Filter{PageSize: 2}) {
		break
	}
	if n := sim.Stats().ByCmdlet["Get-QuarantineMessage"]; n != 1 {
		t.Errorf("%d requests after break", n)
	}
}

func TestExportPreviewHeader(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	raws := seed(t, sim, tn.Setup.DirectoryID, 6)
	truth, err := sim.Quarantine(tn.Setup.DirectoryID)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newClient(t, tn)
	var ids []string
	for _, it := range truth {
		ids = append(ids, it.Identity())
		eml, err := c.Export(t.Context(), it.Identity())
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(eml)
		if string(eml) != string(raws[it.Identity()]) || hex.EncodeToString(sum[:]) != it.SHA256 {
			t.Fatalf("export of %s differs from the ground truth", it.Identity())
		}
	}
	bulk, err := c.ExportMany(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(bulk) != len(ids) {
		t.Fatalf("bulk export: %d of %d", len(bulk), len(ids))
	}
	for _, e := range bulk {
		if string(e.EML) != string(raws[e.Identity]) {
			t.Fatalf("bulk export of %s differs", e.Identity)
		}
	}
	p, err := c.Preview(t.Context(), ids[0])
	if err != nil || p.Subject != truth[0].Subject || !strings.Contains(p.Body, "Body of message") || p.Sender != truth[0].Sender {
		t.Fatalf("preview %+v %v", p, err)
	}
	h, err := c.Header(t.Context(), ids[0])
	if err != nil || !strings.Contains(h, "Subject: "+truth[0].Subject) || strings.Contains(h, "Body of message") {
		t.Fatalf("header %q %v", h, err)
	}
}

func TestReleaseDelete(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	seed(t, sim, tn.Setup.DirectoryID, 4)
	truth, _ := sim.Quarantine(tn.Setup.DirectoryID)
	c, _ := newClient(t, tn)
	a, b, d := truth[0].Identity(), truth[1].Identity(), truth[2].Identity()
	if err := c.Release(t.Context(), []string{a}, exchange.ReleaseOptions{ToAll: true, ReportFalsePositive: true}); err != nil {
		t.Fatal(err)
	}
	err := c.Release(t.Context(), []string{a}, exchange.ReleaseOptions{ToAll: true})
	if !errors.Is(err, exchange.ErrInvalidParameter) || !strings.Contains(err.Error(), "already been released") {
		t.Fatalf("second release: %v", err)
	}
	if err := c.Release(t.Context(), []string{a, b}, exchange.ReleaseOptions{Users: []string{truth[1].Recipient}, Force: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(t.Context(), []string{d}, true); err != nil {
		t.Fatal(err)
	}
	after, _ := sim.Quarantine(tn.Setup.DirectoryID)
	state := map[string]m365sim.QuarantineItem{}
	for _, it := range after {
		state[it.Identity()] = it
	}
	if st := state[a]; st.ReleaseStatus != m365sim.StatusReleased || !st.Reported || st.ReleasedCount != 1 {
		t.Errorf("released item: %+v", st)
	}
	if st := state[b]; st.ReleaseStatus != m365sim.StatusReleased {
		t.Errorf("item released to its user: %+v", st)
	}
	if _, ok := state[d]; ok || len(after) != len(truth)-1 {
		t.Errorf("deleted item still listed")
	}
	if err := c.Delete(t.Context(), []string{d}, false); !errors.Is(err, exchange.ErrNotFound) {
		t.Errorf("delete again: %v", err)
	}
	if err := c.Release(t.Context(), []string{"not-an-identity"}, exchange.ReleaseOptions{ToAll: true}); !errors.Is(err, exchange.ErrInvalidParameter) {
		t.Errorf("bad identity: %v", err)
	}
	if _, err := c.Export(t.Context(), "11111111-1111-1111-1111-111111111111\\22222222-2222-2222-2222-222222222222"); !errors.Is(err, exchange.ErrNotFound) {
		t.Errorf("export of an unknown item: %v", err)
	}
}

func TestAccessErrors(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	for _, tc := range []struct {
		name   string
		skip   []m365sim.SetupStep
		org    func(tn entratest.Tenant) string
		kind   error
		tokens int
	}{
		{name: "error/no consent", skip: []m365sim.SetupStep{m365sim.StepConsent}, kind: exchange.ErrUnauthorized, tokens: 2},
		{name: "error/no service principal", skip: []m365sim.SetupStep{m365sim.StepSP, m365sim.StepRole}, kind: exchange.ErrForbidden, tokens: 1},
		{name: "error/no role", skip: []m365sim.SetupStep{m365sim.StepRole}, kind: exchange.ErrForbidden, tokens: 1},
		{name: "error/vanity domain", kind: exchange.ErrUnauthorized, tokens: 2, org: func(tn entratest.Tenant) string {
			if _, err := sim.AddDomain(tn.Setup.DirectoryID, tn.Name+".example"); err != nil {
				t.Fatal(err)
			}
			return tn.Name + ".example"
		}},
		{name: "error/unknown organization", kind: exchange.ErrNotFound, tokens: 1, org: func(entratest.Tenant) string { return "nobody.onmicrosoft.com" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := strings.NewReplacer("/", "-", " ", "-").Replace(tc.name)
			tn := entratest.Setup(t, sim, name, tc.skip...)
			if tc.org != nil {
				tn.Connection.Organization = tc.org(tn)
			}
			c, src := newClient(t, tn)
			_, err := c.ListAll(t.Context(), exchange.Filter{PageSize: 1})
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want %v", err, tc.kind)
			}
			_ = src
		})
	}
}

// TestCancelled: a cancelled context stops a listing at once.
func TestCancelledBeforeStart(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso")
	c, _ := newClient(t, tn)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.ListAll(ctx, exchange.Filter{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
}

// TestReadOnlyRole: with Security Reader, reading works and a release is
// forbidden, with nothing changed.
func TestReadOnlyRole(t *testing.T) {
	t.Parallel()
	sim := entratest.NewSim(t, m365sim.Options{})
	tn := entratest.Setup(t, sim, "contoso", m365sim.StepSP, m365sim.StepRole)
	if _, err := sim.AssignDirectoryRole(tn.Setup.DirectoryID, tn.Setup.AppID, string(m365sim.RoleSecurityReader)); err != nil {
		t.Fatal(err)
	}
	seed(t, sim, tn.Setup.DirectoryID, 2)
	c, _ := newClient(t, tn)
	ms, err := c.ListAll(t.Context(), exchange.Filter{})
	if err != nil || len(ms) == 0 {
		t.Fatalf("read: %d, %v", len(ms), err)
	}
	if _, err := c.Export(t.Context(), ms[0].Identity); err != nil {
		t.Fatalf("export: %v", err)
	}
	if err := c.Release(t.Context(), []string{ms[0].Identity}, exchange.ReleaseOptions{ToAll: true}); !errors.Is(err, exchange.ErrForbidden) {
		t.Fatalf("release: %v", err)
	}
	if err := c.Delete(t.Context(), []string{ms[0].Identity}, false); !errors.Is(err, exchange.ErrForbidden) {
		t.Fatalf("delete: %v", err)
	}
	truth, _ := sim.Quarantine(tn.Setup.DirectoryID)
	if len(truth) != len(ms) || truth[0].ReleaseStatus != m365sim.StatusNotReleased {
		t.Fatal("a forbidden action changed the quarantine")
	}
}
