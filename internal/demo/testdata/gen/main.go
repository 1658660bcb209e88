// Command gen writes the demo quarantine of package demo: the .eml files and
// manifest.json in internal/demo/quarantine. Run it from the
// repository root:
//
//	go run ./internal/demo/testdata/gen
//
// It uses only the standard library. It builds every message from the
// fictional specs in malicious.go, suspicious.go, spam.go and benign.go, and
// the inert payloads (zip, docm, docx, PDF, LNK header, QR-code PNG) in
// gen.go and qr.go, deterministically, so running it twice gives the same
// bytes. It lives under testdata so that ./... patterns skip it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

var out = flag.String("out", "internal/demo/quarantine", "output directory")

func d(month time.Month, day, h, min int, zone string) time.Time {
	offs := map[string]int{"UTC": 0, "EST": -5 * 3600, "CET": 3600, "PST": -8 * 3600, "IST": 19800, "WAT": 3600, "MSK": 3 * 3600, "SGT": 8 * 3600, "EDT": -4 * 3600, "PDT": -7 * 3600, "CEST": 7200}
	return time.Date(2026, month, day, h, min, 17, 0, time.FixedZone(zone, offs[zone]))
}

func html(inner string) string {
	return `<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style>body{font-family:Segoe UI,Arial,sans-serif;font-size:14px;color:#222}</style>
</head>
<body>
` + inner + `
</body>
</html>`
}

func (m *M) defaults() {
	if m.MailFrom == "" {
		m.MailFrom = m.FromAddr
	}
	if m.Helo == "" {
		dom := domainOf(m.MailFrom)
		if m.MailFrom == "<>" {
			dom = domainOf(m.FromAddr)
		}
		m.Helo = "mail." + dom
	}
	if m.DKIMDomain == "" {
		m.DKIMDomain = domainOf(m.FromAddr)
	}
	if m.DMARCAction == "" {
		m.DMARCAction = "none"
	}
	if m.Country == "" {
		m.Country = "US"
	}
	if m.SFV == "" {
		m.SFV = "SPM"
	}
	if m.CAT == "" {
		m.CAT = "NONE"
	}
	if m.CompAuth == "" {
		switch m.DMARC {
		case "pass":
			m.CompAuth = "pass reason=100"
		case "fail":
			m.CompAuth = "fail reason=000"
		default:
			m.CompAuth = "fail reason=001"
		}
	}
}

type entry struct {
	File            string   `json:"file"`
	ExpectedVerdict string   `json:"expected_verdict"`
	Category        string   `json:"category"`
	QuarantineType  string   `json:"quarantine_type"`
	PolicyType      string   `json:"policy_type"`
	Recipients      []string `json:"recipients"`
	Description     string   `json:"description"`
}

func main() {
	flag.Parse()
	var all []*M
	all = append(all, malicious()...)
	all = append(all, suspicious()...)
	all = append(all, spam()...)
	all = append(all, benign()...)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		panic(err)
	}
	old, _ := filepath.Glob(filepath.Join(*out, "*.eml"))
	for _, f := range old {
		os.Remove(f)
	}
	seen := map[string]bool{}
	var man []entry
	for _, m := range all {
		if seen[m.File] {
			panic("dup " + m.File)
		}
		seen[m.File] = true
		m.defaults()
		if err := os.WriteFile(filepath.Join(*out, m.File), []byte(m.render()), 0o644); err != nil {
			panic(err)
		}
		man = append(man, entry{m.File, m.Verdict, m.Category, m.QType, m.Policy, m.Rcpt, m.Desc})
	}
	sort.Slice(man, func(i, j int) bool { return man[i].File < man[j].File })
	b, _ := json.MarshalIndent(man, "", "  ")
	os.WriteFile(filepath.Join(*out, "manifest.json"), append(b, '\n'), 0o644)
	counts := map[string]int{}
	for _, e := range man {
		counts[e.ExpectedVerdict]++
	}
	fmt.Println(len(man), "messages:", counts)
}
