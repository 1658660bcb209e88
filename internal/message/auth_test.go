package message

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseAuthResults(t *testing.T) {
	t.Parallel()
	type method struct{ name, result, reason, props string }
	tests := []struct {
		name     string
		in       string
		servID   string
		instance int
		want     []method
	}{
		{
			name: "microsoft/no authserv-id",
			in:   "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none header.from=example.com;compauth=pass reason=109",
			want: []method{
				{"spf", "pass", "sender IP is 192.0.2.1", "smtp.mailfrom=example.com"},
				{"dkim", "none", "message not signed", "header.d=none"},
				{"dmarc", "bestguesspass", "", "action=none header.from=example.com"},
				{"compauth", "pass", "109", "reason=109"},
			},
		},
		{
			name:   "rfc8601/authserv-id and version",
			in:     "mx.example.org 1; dkim=pass header.d=example.com header.s=sel; spf=fail smtp.mailfrom=example.net",
			servID: "mx.example.org",
			want: []method{
				{"dkim", "pass", "", "header.d=example.com header.s=sel"},
				{"spf", "fail", "", "smtp.mailfrom=example.net"},
			},
		},
		{
			name:   "rfc8601/none",
			in:     "mx.example.org; none",
			servID: "mx.example.org",
		},
		{
			name:     "arc/instance",
			in:       "i=2; mx.microsoft.com 1; spf=pass (sender ip is 192.0.2.1) smtp.mailfrom=example.com; arc=pass (0 oda=1 ltdi=1 spf=[1,1,smtp.mailfrom=example.com])",
			servID:   "mx.microsoft.com",
			instance: 2,
			want: []method{
				{"spf", "pass", "sender ip is 192.0.2.1", "smtp.mailfrom=example.com"},
				{"arc", "pass", "0 oda=1 ltdi=1 spf=[1,1,smtp.mailfrom=example.com]", ""},
			},
		},
		{
			name:   "tolerant/missing semicolons and quoted values",
			in:     `mx.example.org; dkim=pass header.i="@example.com" spf=pass smtp.mailfrom = example.com`,
			servID: "mx.example.org",
			want: []method{
				{"dkim", "pass", "", "header.i=@example.com"},
				{"spf", "pass", "", "smtp.mailfrom=example.com"},
			},
		},
		{
			name:   "tolerant/reason property",
			in:     `mx.example.org; dmarc=fail reason="p=reject" header.from=example.com`,
			servID: "mx.example.org",
			want:   []method{{"dmarc", "fail", "p=reject", "header.from=example.com"}},
		},
		{name: "empty", in: ""},
		{name: "garbage", in: "((((;;;===", servID: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ParseAuthResults(tt.in)
			if got.AuthServID != tt.servID {
				t.Errorf("authserv-id = %q, want %q", got.AuthServID, tt.servID)
			}
			if got.Instance != tt.instance {
				t.Errorf("instance = %d, want %d", got.Instance, tt.instance)
			}
			var gotM []method
			for _, m := range got.Methods {
				var props []string
				for _, p := range m.Props {
					props = append(props, p.Key+"="+p.Value)
				}
				gotM = append(gotM, method{m.Method, m.Result, m.Reason, strings.Join(props, " ")})
			}
			if !reflect.DeepEqual(gotM, tt.want) {
				t.Errorf("methods:\n got  %q\n want %q", gotM, tt.want)
			}
		})
	}
}

func TestParseReceivedSPFAndDKIM(t *testing.T) {
	t.Parallel()
	spf := ParseReceivedSPF("Pass (protection.outlook.com: domain of example.com designates 192.0.2.1 as permitted sender) receiver=protection.outlook.com; client-ip=192.0.2.1; helo=mail.example.com; pr=C")
	if spf.Result != "pass" || spf.ClientIP != "192.0.2.1" || spf.Helo != "mail.example.com" || !strings.HasPrefix(spf.Comment, "protection.outlook.com") {
		t.Errorf("Received-SPF = %+v", spf)
	}
	d, ok := ParseDKIMSignature("v=1; a=rsa-sha256; d=Example.COM; s=sel1;\r\n h=from:to:\r\n subject; b=abc")
	if !ok || d.Domain != "example.com" || d.Selector != "sel1" || d.Algorithm != "rsa-sha256" || !reflect.DeepEqual(d.Headers, []string{"from", "to", "subject"}) {
		t.Errorf("DKIM = %+v", d)
	}
	if _, ok := ParseDKIMSignature("garbage"); ok {
		t.Error("garbage DKIM-Signature accepted")
	}
}

func TestParseForefront(t *testing.T) {
	t.Parallel()
	got := ParseForefront("CIP:2001:db8::1;CTRY:NL;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:mail.example.com;PTR:;CAT:NONE;SFS:(13230031)(366004);DIR:INB;")
	a := Authentication{Forefront: got}
	for k, want := range map[string]string{"CIP": "2001:db8::1", "CTRY": "NL", "SRV": "", "SFV": "NSPM", "CAT": "NONE", "SFS": "(13230031)(366004)", "DIR": "INB"} {
		if v := a.ForefrontValue(k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
}

// TestM365Headers checks the authentication model on the 60 real messages
// with Microsoft's headers intact.
func TestM365Headers(t *testing.T) {
	t.Parallel()
	files := corpusFiles(t, "m365-headers")
	var withMS, withARC, withCompAuth, withSCL, withBCL, withFF, withHops, withSPF int
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(raw, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := filepath.Base(f)
		a := m.Auth
		if a.Microsoft != nil {
			withMS++
			if a.Microsoft.CompAuth != "" {
				withCompAuth++
				if a.Microsoft.CompAuthReason == "" {
					t.Errorf("%s: compauth without reason", name)
				}
			}
			if a.Microsoft.DMARC != "" && a.Microsoft.DMARC != "none" && a.Microsoft.DMARCAction == "" && a.Microsoft.DMARC != "temperror" && a.Microsoft.DMARC != "permerror" {
				t.Errorf("%s: dmarc=%s without action", name, a.Microsoft.DMARC)
			}
		}
		for _, r := range a.Results {
			for _, meth := range r.Methods {
				if meth.Method == "" || meth.Result == "" {
					t.Errorf("%s: empty method in %q", name, r.Raw)
				}
			}
		}
		if len(a.ARC) > 0 {
			withARC++
			for _, r := range a.ARC {
				if r.Instance == 0 {
					t.Errorf("%s: ARC-Authentication-Results without instance: %q", name, r.Raw)
				}
			}
		}
		if a.SCL != -2 {
			withSCL++
		}
		if a.BCL >= 0 {
			withBCL++
		}
		if len(a.Forefront) > 0 || len(a.ForefrontUntrusted) > 0 {
			withFF++
		}
		if len(a.ReceivedSPF) > 0 {
			withSPF++
		}
		if len(m.Received) > 0 {
			withHops++
			for _, h := range m.Received {
				if h.By == "" && h.From == "" {
					t.Errorf("%s: hop %d has neither from nor by: %q", name, h.Index, h.Raw)
				}
			}
		}
	}
	n := len(files)
	t.Logf("%d files: microsoft A-R %d, compauth %d, ARC %d, SCL %d, BCL %d, Forefront %d, Received-SPF %d, hops %d",
		n, withMS, withCompAuth, withARC, withSCL, withBCL, withFF, withSPF, withHops)
	if withMS < n*9/10 || withHops < n {
		t.Errorf("too few messages with Microsoft results (%d) or Received hops (%d) of %d", withMS, withHops, n)
	}
}
