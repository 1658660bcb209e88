package message

import (
	"slices"
	"testing"
)

func TestScanTextPhones(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"north american/dash after area code", "please contact us: 📞 (828)-582-4130 today", []string{"+18285824130"}},
		{"north american/space", "call (828) 582-4130", []string{"+18285824130"}},
		{"toll free/0800 dashes", "ligue para 0800-323-5054. Protocolo", []string{"08003235054"}},
		{"toll free/0800 spaces", "Freephone 0800 123 4567", []string{"08001234567"}},
		{"not a phone/date", "on 12/02/2023 at 10:00", nil},
		{"bracketed groups/en dashes", "You can Reach us on +1 – (888) - (596) - (1028)\nRegards", []string{"+18885961028"}},
		{"bracketed groups/em dash", "call (888) — 596 — 1028 now", []string{"+18885961028"}},
		{"not a phone/price range", "from 12.50 – 13.75 per month", nil},
		{"not a phone/ip", "server 203.0.113.7 – 203.0.113.9", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			scanTextIndicators(tc.text, func(kind, v string) {
				if kind == "phone" {
					got = append(got, v)
				}
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("phones in %q = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}
