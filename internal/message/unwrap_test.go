package message

import (
	"reflect"
	"testing"
)

func TestUnwrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		wrappers       []string
	}{
		{"safelinks", "https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Flogin.example.test%2Fa%3Fb%3D1&data=05%7C01&reserved=0", "https://login.example.test/a?b=1", []string{"safelinks"}},
		{"safelinks/nested in google", "https://nam11.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.google.com%2Furl%3Fq%3Dhttps%3A%2F%2Ffinal.example.test%2F", "https://final.example.test/", []string{"safelinks", "redirect:www.google.com"}},
		{"proofpoint/v2", "https://urldefense.proofpoint.com/v2/url?u=https-3A__www.example.test_path_page.html&d=DwMF&c=x", "https://www.example.test/path/page.html", []string{"proofpoint"}},
		{"proofpoint/v3", "https://urldefense.com/v3/__https://example.test/a*b__;Kg!!abc$", "https://example.test/a*b", []string{"proofpoint"}},
		{"redirect/base64", "https://track.example.net/r?u=aHR0cHM6Ly9sYW5kLmV4YW1wbGUudGVzdC8=", "https://land.example.test/", []string{"redirect:track.example.net"}},
		{"redirect/uppercase param", "https://go.example.net/out?URL=https%3A%2F%2Fdest.example.test%2F", "https://dest.example.test/", []string{"redirect:go.example.net"}},
		{"not wrapped", "https://www.example.com/?q=shoes", "https://www.example.com/?q=shoes", nil},
		{"not a URL target", "https://nam01.safelinks.protection.outlook.com/?url=javascript:alert(1)", "https://nam01.safelinks.protection.outlook.com/?url=javascript:alert(1)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, wrappers := Unwrap(tt.in)
			if got != tt.want || !reflect.DeepEqual(wrappers, tt.wrappers) {
				t.Errorf("Unwrap = %q %v, want %q %v", got, wrappers, tt.want, tt.wrappers)
			}
		})
	}
}

func TestResolveLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in              string
		host, unicode, domain string
		isIP                  bool
	}{
		{"punycode", "https://xn--pypal-4ve.com/login", "xn--pypal-4ve.com", "pаypal.com", "xn--pypal-4ve.com", false},
		{"unicode host", "https://www.pаypal.com/", "www.xn--pypal-4ve.com", "www.pаypal.com", "xn--pypal-4ve.com", false},
		{"registrable domain", "https://a.b.example.co.uk/x", "a.b.example.co.uk", "", "example.co.uk", false},
		{"ipv4", "http://192.0.2.10:8080/x", "192.0.2.10", "", "", true},
		{"ipv6", "http://[2001:db8::1]/", "2001:db8::1", "", "", true},
		{"decimal ip", "http://3221225994/", "192.0.2.10", "", "", true},
		{"hex ip", "http://0xC000020A/", "192.0.2.10", "", "", true},
		{"mailto", "mailto:help@Example.COM?subject=x", "example.com", "", "example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := ResolveLink(Link{Source: SourceHref, URL: tt.in})
			if l.Host != tt.host || l.HostUnicode != tt.unicode || l.Domain != tt.domain || l.IsIP != tt.isIP {
				t.Errorf("got host=%q unicode=%q domain=%q ip=%v", l.Host, l.HostUnicode, l.Domain, l.IsIP)
			}
		})
	}
}
