package message

import (
	"slices"
	"testing"
)

func TestScanTextIndicators(t *testing.T) {
	t.Parallel()
	text := "Call +1 (555) 010-4477 or 0044 20 7946 0018. Pay bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq or " +
		"1BoatSLRHtKNngkdXEeobR76b53LETtpyU (bad checksum) or 0x52908400098527886E0F7030069857D2E4169EE7. " +
		"Write to Billing@Example.com; server 198.51.100.9; version 1.2.3.4.5 is not an IP."
	got := map[string][]string{}
	scanTextIndicators(text, func(kind, v string) { got[kind] = append(got[kind], v) })
	want := map[string][]string{
		"phone": {"+15550104477", "+442079460018"},
		"BTC":   {"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},
		"ETH":   {"0x52908400098527886E0F7030069857D2E4169EE7"},
		"email": {"Billing@Example.com"},
		"ip":    {"198.51.100.9"},
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
}

func TestWalletChecksums(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"} {
		if !validBitcoin(s) {
			t.Errorf("%s rejected", s)
		}
	}
	for _, s := range []string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx"} {
		if validBitcoin(s) {
			t.Errorf("%s accepted", s)
		}
	}
}
