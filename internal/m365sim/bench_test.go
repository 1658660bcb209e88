package m365sim

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkQueryPage100k pages through a tenant holding 100,000 items.
func BenchmarkQueryPage100k(b *testing.B) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := newTestSim(b, Options{Now: func() time.Time { return now }})
	ten, err := s.CreateTenant("big")
	if err != nil {
		b.Fatal(err)
	}
	fillTenant(b, s, ten.ID, 100_000, now)
	cases := []struct {
		name   string
		params params
	}{
		{"first page", mustParams(b, `{"PageSize":1000}`)},
		{"page 50", mustParams(b, `{"PageSize":1000,"Page":50}`)},
		{"filtered", mustParams(b, `{"PageSize":100,"SenderAddress":["sender7@evil.example"],"QuarantineTypes":["Phish"]}`)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			c := &cmdletCall{tenant: ten.ID, org: ten.ID, params: tc.params, now: now}
			for b.Loop() {
				if _, cerr := s.cmdGetQuarantineMessage(c); cerr != nil {
					b.Fatal(cerr)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// fillTenant inserts n items spread over the last 14 days directly.
func fillTenant(tb testing.TB, s *Sim, tenant string, n int, now time.Time) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTenant(tenant)
	types := []QuarantineType{TypeSpam, TypePhish, TypeBulk, TypeMalware}
	for i := range n {
		it := &QuarantineItem{
			MessageGUID: hashGUID("m", fmt.Sprint(i)), RecipientGUID: hashGUID("r", fmt.Sprint(i)),
			Received: now.Add(-time.Duration(i) * 12 * time.Second), MessageID: fmt.Sprintf("<m%d@evil.example>", i),
			Sender: fmt.Sprintf("sender%d@evil.example", i%100), Recipient: "alice@contoso.com", Subject: "hello",
			Size: 1000, Type: types[i%4], PolicyType: "HostedContentFilterPolicy", PolicyName: "Default",
			ReleaseStatus: StatusNotReleased, Direction: "Inbound", EntityType: "Email",
		}
		it.Expires = it.Received.Add(QuarantineRetention)
		t.Items = append(t.Items, it)
		t.index[it.identity()] = it
	}
}

func mustParams(tb testing.TB, js string) params {
	tb.Helper()
	_, p, err := decodeInvoke([]byte(`{"CmdletInput":{"CmdletName":"Get-QuarantineMessage","Parameters":` + js + `}}`))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestPageOf100k pages deep into 100,000 items. How fast is measured by
// BenchmarkQueryPage100k (make bench), not here: a shared machine makes timed tests
// flaky.
func TestPageOf100k(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("fills 100,000 items")
	}
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := newTestSim(t, Options{Now: func() time.Time { return now }})
	ten, _ := s.CreateTenant("big")
	fillTenant(t, s, ten.ID, 100_000, now)
	c := &cmdletCall{tenant: ten.ID, org: ten.ID, params: mustParams(t, `{"PageSize":1000,"Page":100}`), now: now}
	start := time.Now()
	rows, cerr := s.cmdGetQuarantineMessage(c)
	if cerr != nil || len(rows) != 1000 {
		t.Fatalf("%d rows: %v", len(rows), cerr)
	}
	t.Logf("page 100 of 100,000 items: %v", time.Since(start))
}
