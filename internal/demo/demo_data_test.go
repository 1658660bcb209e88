package demo

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

const quarantineDir = "quarantine"

type manifestEntry struct {
	File            string   `json:"file"`
	ExpectedVerdict string   `json:"expected_verdict"`
	Category        string   `json:"category"`
	QuarantineType  string   `json:"quarantine_type"`
	PolicyType      string   `json:"policy_type"`
	Recipients      []string `json:"recipients"`
	Description     string   `json:"description"`
}

var (
	verdicts        = []string{"malicious", "suspicious", "spam", "benign"}
	categories      = []string{"credential_phishing", "malware", "bec", "callback_phishing", "extortion", "scam", "spam", "bulk", "legitimate"}
	quarantineTypes = []string{"Phish", "HighConfPhish", "Spam", "Bulk", "Malware", "TransportRule"}
	policyTypes     = []string{"HostedContentFilterPolicy", "AntiPhishPolicy", "AntiMalwarePolicy", "ExchangeTransportRule"}
)

func loadManifest(t *testing.T) []manifestEntry {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(quarantineDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var entries []manifestEntry
	if err := dec.Decode(&entries); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	return entries
}

func emlFiles(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(quarantineDir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	sort.Strings(names)
	return names
}

func TestManifestMatchesFiles(t *testing.T) {
	entries := loadManifest(t)
	files := emlFiles(t)
	if len(files) < 48 {
		t.Errorf("%d .eml files, want at least 48", len(files))
	}
	listed := map[string]bool{}
	seenVerdict := map[string]int{}
	seenCategory := map[string]int{}
	multi := 0
	for _, e := range entries {
		if listed[e.File] {
			t.Errorf("%s is listed twice", e.File)
		}
		listed[e.File] = true
		if !strings.HasSuffix(e.File, ".eml") || filepath.Base(e.File) != e.File {
			t.Errorf("%q: file must be a bare .eml name", e.File)
		}
		if !slices.Contains(files, e.File) {
			t.Errorf("%s is in manifest.json but not in %s", e.File, quarantineDir)
		}
		if !slices.Contains(verdicts, e.ExpectedVerdict) {
			t.Errorf("%s: expected_verdict %q not one of %v", e.File, e.ExpectedVerdict, verdicts)
		}
		if !slices.Contains(categories, e.Category) {
			t.Errorf("%s: category %q not one of %v", e.File, e.Category, categories)
		}
		if !slices.Contains(quarantineTypes, e.QuarantineType) {
			t.Errorf("%s: quarantine_type %q not one of %v", e.File, e.QuarantineType, quarantineTypes)
		}
		if !slices.Contains(policyTypes, e.PolicyType) {
			t.Errorf("%s: policy_type %q not one of %v", e.File, e.PolicyType, policyTypes)
		}
		if strings.TrimSpace(e.Description) == "" {
			t.Errorf("%s: empty description", e.File)
		}
		if (e.ExpectedVerdict == "benign") != (e.Category == "legitimate") {
			t.Errorf("%s: verdict %q with category %q", e.File, e.ExpectedVerdict, e.Category)
		}
		if len(e.Recipients) == 0 || len(e.Recipients) > 5 {
			t.Errorf("%s: %d recipients, want 1-5", e.File, len(e.Recipients))
		}
		if len(e.Recipients) > 1 {
			multi++
		}
		for _, r := range e.Recipients {
			a, err := mail.ParseAddress(r)
			if err != nil || a.Address != r || !strings.HasSuffix(strings.ToLower(r), "@contoso.example") {
				t.Errorf("%s: recipient %q is not a plain @contoso.example address", e.File, r)
			}
		}
		seenVerdict[e.ExpectedVerdict]++
		seenCategory[e.Category]++
	}
	for _, f := range files {
		if !listed[f] {
			t.Errorf("%s is not listed in manifest.json", f)
		}
	}
	for _, v := range verdicts {
		if seenVerdict[v] == 0 {
			t.Errorf("no message with verdict %q", v)
		}
	}
	for _, c := range categories {
		if seenCategory[c] == 0 {
			t.Errorf("no message with category %q", c)
		}
	}
	if multi == 0 {
		t.Error("no message quarantined for several recipients")
	}
}

func TestMessagesAreWellFormed(t *testing.T) {
	entries := loadManifest(t)
	byFile := map[string]manifestEntry{}
	for _, e := range entries {
		byFile[e.File] = e
	}
	for _, name := range emlFiles(t) {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(quarantineDir, name))
			if err != nil {
				t.Fatal(err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("net/mail: %v", err)
			}
			h := msg.Header
			for _, k := range []string{"From", "To", "Subject", "Date", "Message-ID", "Authentication-Results", "MIME-Version",
				"Received-SPF", "X-MS-Exchange-Organization-SCL", "X-Forefront-Antispam-Report", "X-Microsoft-Antispam"} {
				if strings.TrimSpace(h.Get(k)) == "" {
					t.Errorf("missing header %s", k)
				}
			}
			if n := len(h["Received"]); n < 2 || n > 5 {
				t.Errorf("%d Received headers, want 2-5", n)
			}
			date, err := h.Date()
			if err != nil {
				t.Errorf("Date: %v", err)
			} else if date.Year() != 2026 {
				t.Errorf("Date %v is not in 2026", date)
			}
			from, err := mail.ParseAddress(h.Get("From"))
			if err != nil {
				t.Fatalf("From: %v", err)
			}
			if _, err := h.AddressList("To"); err != nil {
				t.Errorf("To: %v", err)
			}
			if !regexp.MustCompile(`^<[^<>@\s]+@[^<>@\s]+>$`).MatchString(h.Get("Message-ID")) {
				t.Errorf("Message-ID %q is not <left@right>", h.Get("Message-ID"))
			}
			ar := strings.Join(strings.Fields(h.Get("Authentication-Results")), " ")
			for _, want := range []string{"spf=", "dkim=", "dmarc=", "action=", "compauth=", "reason="} {
				if !strings.Contains(ar, want) {
					t.Errorf("Authentication-Results lacks %q: %s", want, ar)
				}
			}
			if m := regexp.MustCompile(`header\.from=([^;\s]+)`).FindStringSubmatch(ar); m == nil || !strings.EqualFold(m[1], domainOf(from.Address)) {
				t.Errorf("Authentication-Results header.from does not match From %s: %s", from.Address, ar)
			}
			cip := regexp.MustCompile(`CIP:([^;]+);`).FindStringSubmatch(h.Get("X-Forefront-Antispam-Report"))
			sip := regexp.MustCompile(`client-ip=([^;\s]+);`).FindStringSubmatch(h.Get("Received-SPF"))
			if cip == nil || sip == nil || cip[1] != sip[1] {
				t.Errorf("X-Forefront-Antispam-Report CIP %v and Received-SPF client-ip %v differ", cip, sip)
			}
			if e, ok := byFile[name]; ok {
				rcpts := strings.ToLower(h.Get("To") + "," + h.Get("Cc"))
				for _, r := range e.Recipients {
					if !strings.Contains(rcpts, strings.ToLower(r)) {
						t.Errorf("manifest recipient %s is not in To/Cc", r)
					}
				}
			}

			parts, err := walkMIME(textprotoHeader(h), msg.Body, 0)
			if err != nil {
				t.Fatalf("MIME: %v", err)
			}
			if len(parts) == 0 {
				t.Fatal("no MIME leaf parts")
			}
			for _, p := range parts {
				if err := checkPayload(p); err != nil {
					t.Errorf("part %s (%s): %v", p.ctype, p.filename, err)
				}
			}

			for _, v := range checkHosts(h, parts) {
				t.Errorf("real-world host or non-documentation IP: %s", v)
			}
		})
	}
}

// part is a decoded MIME leaf.
type part struct {
	ctype, filename string
	params          map[string]string
	data            []byte
}

type header interface{ Get(string) string }

type textprotoHeader mail.Header

func (h textprotoHeader) Get(k string) string { return mail.Header(h).Get(k) }

// walkMIME decodes an entity and its children. It fails on a multipart
// without a boundary, on a boundary that is never closed, on truncated parts
// and on transfer encodings that do not decode.
func walkMIME(h header, body io.Reader, depth int) ([]part, error) {
	if depth > 8 {
		return nil, fmt.Errorf("MIME nested deeper than 8")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, fmt.Errorf("Content-Type %q: %v", ct, err)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(mt, "multipart/") {
		b := params["boundary"]
		if b == "" {
			return nil, fmt.Errorf("%s without boundary", mt)
		}
		closing := []byte("--" + b + "--")
		if !bytes.HasPrefix(raw, closing) && !bytes.Contains(raw, append([]byte("\n"), closing...)) {
			return nil, fmt.Errorf("boundary %q is never closed", b)
		}
		mr := multipart.NewReader(bytes.NewReader(raw), b)
		var out []part
		n := 0
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("boundary %q: %v", b, err)
			}
			n++
			sub, err := walkMIME(p.Header, p, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
		if n == 0 {
			return nil, fmt.Errorf("%s with no parts", mt)
		}
		return out, nil
	}
	var data []byte
	switch cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); cte {
	case "base64":
		clean := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, string(raw))
		if data, err = base64.StdEncoding.Strict().DecodeString(clean); err != nil {
			return nil, fmt.Errorf("base64 part %s: %v", mt, err)
		}
	case "quoted-printable":
		if data, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw))); err != nil {
			return nil, fmt.Errorf("quoted-printable part %s: %v", mt, err)
		}
	case "", "7bit", "8bit", "binary":
		data = raw
	default:
		return nil, fmt.Errorf("unknown Content-Transfer-Encoding %q", cte)
	}
	filename := ""
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		filename = dp["filename"]
	}
	if filename == "" {
		filename = params["name"]
	}
	return []part{{ctype: mt, filename: filename, params: params, data: data}}, nil
}

// checkPayload opens the attachment formats the set uses, so a broken
// archive, image or PDF fails here rather than in a demo.
func checkPayload(p part) error {
	switch {
	case bytes.HasPrefix(p.data, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(p.data), int64(len(p.data)))
		if err != nil {
			return fmt.Errorf("zip: %v", err)
		}
		if len(zr.File) == 0 {
			return fmt.Errorf("empty zip")
		}
	case p.ctype == "image/png":
		if _, err := png.Decode(bytes.NewReader(p.data)); err != nil {
			return fmt.Errorf("png: %v", err)
		}
	case p.ctype == "application/pdf":
		if !bytes.HasPrefix(p.data, []byte("%PDF-")) || !bytes.Contains(p.data, []byte("%%EOF")) {
			return fmt.Errorf("not a complete PDF")
		}
	}
	if strings.HasSuffix(strings.ToLower(p.filename), ".zip") && !bytes.HasPrefix(p.data, []byte("PK\x03\x04")) {
		return fmt.Errorf("a .zip that is not a zip")
	}
	return nil
}

// ---- host and IP allow-list ----

var (
	documentationPrefixes = []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("2001:db8::/32"),
	}
	reservedTLDs    = []string{"example", "test", "invalid", "localhost"}
	reservedDomains = []string{"example.com", "example.net", "example.org", "contoso.onmicrosoft.com"}

	urlRe     = regexp.MustCompile(`(?i)\b(?:https?|ftp|wss?)://[^\s"'<>()\\]+`)
	emailRe   = regexp.MustCompile(`(?i)[a-z0-9._%+=-]+@([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)`)
	bareHost  = regexp.MustCompile(`(?i)\b((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|net|org|edu|gov|mil|int|io|co|info|biz|us|uk|de|fr|nl|ru|cn|jp|in|br|au|ca|eu|xyz|top|app|dev|ly|me|gl|online|site|shop|club|live|cloud|link|click|email|support|microsoft|google|amazon))\b`)
	ipv4Re    = regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}\b`)
	bracketIP = regexp.MustCompile(`[\[(]([0-9A-Fa-f:.]{3,}?)(?:%[^\])]*)?[\])]`)
	fromByRe  = regexp.MustCompile(`(?i)\b(?:from|by)\s+([^\s;()\[\]]+)`)
	keyHostRe = regexp.MustCompile(`(?i)\b(?:smtp\.mailfrom|smtp\.helo|header\.from|header\.d|header\.i|helo|receiver)=\s*@?([^;\s]+)`)
	dkimDRe   = regexp.MustCompile(`(?:^|[;\s])[di]=\s*@?([^;\s]+)`)
	forefrHRe = regexp.MustCompile(`(?:^|;)H:([^;]+)`)
	ipKeyRe   = regexp.MustCompile(`(?i)(?:client-ip=|CIP:|sender IP is )([0-9A-Fa-f:.]+)`)
	domainOfR = regexp.MustCompile(`(?i)\bdomain of (?:transitioning )?([^\s)]+)`)
)

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return strings.ToLower(addr)
}

// allowedHost reports whether a host name or IP literal may appear in the
// demo data: a reserved name or a documentation address.
func allowedHost(host string) bool {
	host = strings.ToLower(strings.Trim(strings.TrimSpace(host), "[].<>"))
	if host == "" || host == "none" {
		return true
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return allowedIP(a)
	}
	if i := strings.IndexByte(host, '%'); i >= 0 { // IPv6 zone
		if a, err := netip.ParseAddr(host[:i]); err == nil {
			return allowedIP(a)
		}
	}
	labels := strings.Split(host, ".")
	if slices.Contains(reservedTLDs, labels[len(labels)-1]) {
		return true
	}
	for _, d := range reservedDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

func allowedIP(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range documentationPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// hostsInText returns the hosts of URLs (and of URLs nested in their query
// strings), e-mail domains, bare domain names with common real TLDs, and
// IPv4 literals found in s.
func hostsInText(s string) []string {
	var out []string
	var addURL func(string, int)
	addURL = func(raw string, depth int) {
		raw = strings.TrimRight(strings.ReplaceAll(raw, "&amp;", "&"), ".,;:!?")
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			out = append(out, "unparsable URL "+raw)
			return
		}
		out = append(out, u.Hostname())
		if depth > 3 {
			return
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				for _, nested := range urlRe.FindAllString(v, -1) {
					addURL(nested, depth+1)
				}
			}
		}
	}
	for _, raw := range urlRe.FindAllString(s, -1) {
		addURL(raw, 0)
	}
	for _, m := range emailRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	for _, m := range bareHost.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	for _, ip := range ipv4Re.FindAllString(s, -1) {
		if _, err := netip.ParseAddr(ip); err == nil {
			out = append(out, ip)
		}
	}
	return out
}

// hostsInHeader extracts hosts from one header field, with the field's own
// syntax where it has one.
func hostsInHeader(name, value string) []string {
	value = strings.Join(strings.Fields(value), " ")
	out := hostsInText(value)
	switch strings.ToLower(name) {
	case "from", "to", "cc", "bcc", "reply-to", "sender", "return-path":
		if strings.TrimSpace(value) == "<>" {
			break
		}
		list, err := mail.ParseAddressList(value)
		if err != nil {
			out = append(out, "unparsable address list "+value)
			break
		}
		for _, a := range list {
			out = append(out, domainOf(a.Address))
		}
	case "message-id", "in-reply-to", "references":
		for _, id := range regexp.MustCompile(`<[^<>]*@([^<>]+)>`).FindAllStringSubmatch(value, -1) {
			out = append(out, id[1])
		}
	case "received":
		for _, m := range fromByRe.FindAllStringSubmatch(value, -1) {
			out = append(out, m[1])
		}
		for _, m := range bracketIP.FindAllStringSubmatch(value, -1) {
			if _, err := netip.ParseAddr(m[1]); err == nil {
				out = append(out, m[1])
			}
		}
	case "received-spf", "authentication-results", "arc-authentication-results", "dkim-signature", "x-forefront-antispam-report":
		for _, m := range keyHostRe.FindAllStringSubmatch(value, -1) {
			out = append(out, strings.TrimRight(m[1], ";,)"))
		}
		for _, m := range ipKeyRe.FindAllStringSubmatch(value, -1) {
			out = append(out, strings.TrimRight(m[1], ";,)"))
		}
		for _, m := range domainOfR.FindAllStringSubmatch(value, -1) {
			out = append(out, m[1])
		}
		if strings.EqualFold(name, "dkim-signature") {
			for _, m := range dkimDRe.FindAllStringSubmatch(value, -1) {
				out = append(out, m[1])
			}
		}
		if strings.EqualFold(name, "x-forefront-antispam-report") {
			for _, m := range forefrHRe.FindAllStringSubmatch(value, -1) {
				out = append(out, m[1])
			}
		}
	case "list-id":
		for _, m := range regexp.MustCompile(`<([^<>]+)>`).FindAllStringSubmatch(value, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// checkHosts lists every host or IP in the headers and in the decoded text,
// HTML, calendar and PDF parts that is not allowed.
func checkHosts(h mail.Header, parts []part) []string {
	var bad []string
	seen := map[string]bool{}
	report := func(where, host string) {
		if strings.HasPrefix(host, "unparsable ") {
			bad = append(bad, where+": "+host)
			return
		}
		if !allowedHost(host) && !seen[where+host] {
			seen[where+host] = true
			bad = append(bad, fmt.Sprintf("%s: %s", where, host))
		}
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			dec, err := new(mime.WordDecoder).DecodeHeader(v)
			if err != nil {
				dec = v
			}
			for _, host := range hostsInHeader(k, dec) {
				report("header "+k, host)
			}
		}
	}
	for _, p := range parts {
		where := "part " + p.ctype
		if p.filename != "" {
			where += " " + p.filename
		}
		var text string
		switch {
		case p.ctype == "text/calendar":
			text = strings.NewReplacer("\r\n ", "", "\n ", "", "\r\n\t", "", "\n\t", "").Replace(string(p.data))
		case strings.HasPrefix(p.ctype, "text/"), strings.HasPrefix(p.ctype, "message/"), p.ctype == "application/pdf":
			text = string(p.data)
		default:
			continue
		}
		for _, host := range hostsInText(text) {
			report(where, host)
		}
	}
	return bad
}

// TestHostCheckCatchesRealDomains makes sure the allow-list check above can
// fail: a message that uses real-world hosts in each place it looks at must
// be reported for every one of them.
func TestHostCheckCatchesRealDomains(t *testing.T) {
	eml := "Received: from mail-sor-f41.mailhost.net (209.85.220.41) by\r\n" +
		" edge.mail.protection.outlook.example (2001:db8::1) with SMTP; Mon, 2 Mar 2026 07:41:20 +0000\r\n" +
		"Received: from relay.example (relay.example [192.168.10.4]) by relay2.example; Mon, 2 Mar 2026 07:41:19 +0000\r\n" +
		"Authentication-Results: spf=pass (sender IP is 8.8.4.4) smtp.mailfrom=bulkmailer.io; dkim=pass\r\n" +
		" (signature was verified) header.d=sendgrid.net;dmarc=pass action=none header.from=paypal.com;compauth=pass reason=100\r\n" +
		"Received-SPF: Pass (protection.outlook.com: domain of bulkmailer.io designates 8.8.4.4 as permitted sender)\r\n" +
		" receiver=protection.outlook.com; client-ip=8.8.4.4; helo=smtp.realisp.de;\r\n" +
		"X-Forefront-Antispam-Report: CIP:8.8.4.4;CTRY:US;SCL:1;H:smtp.realisp.de;\r\n" +
		"From: PayPal <service@paypal.com>\r\n" +
		"Reply-To: someone@gmail.com\r\n" +
		"To: megan.bowen@contoso.example\r\n" +
		"Subject: test\r\n" +
		"Date: Mon, 2 Mar 2026 07:41:17 +0000\r\n" +
		"Message-ID: <abc@mx.yahoo.co.jp>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<a href=3D\"https://login.microsoftonline.com/common/oauth2\">x</a>\r\n" +
		"<a href=3D\"https://track.mailer-stats.example/c?redirect=3Dhttps%3A%2F%2Fevil-site.org%2Fx\">y</a>\r\n" +
		"Visit support.apple.com or http://93.184.216.34/login\r\n" +
		"--b1\r\n" +
		"Content-Type: application/pdf; name=\"a.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n/URI (https://docs.google.com/forms/x)\n%%EOF\n")) + "\r\n" +
		"--b1--\r\n"
	msg, err := mail.ReadMessage(strings.NewReader(eml))
	if err != nil {
		t.Fatal(err)
	}
	parts, err := walkMIME(textprotoHeader(msg.Header), msg.Body, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(checkHosts(msg.Header, parts), "\n")
	for _, want := range []string{
		"mail-sor-f41.mailhost.net", "209.85.220.41", "192.168.10.4", // Received
		"8.8.4.4", "bulkmailer.io", "sendgrid.net", "protection.outlook.com", "smtp.realisp.de", // auth headers
		"header From: paypal.com", "gmail.com", "mx.yahoo.co.jp", // addresses and Message-ID
		"login.microsoftonline.com", "evil-site.org", "support.apple.com", "93.184.216.34", // body, nested redirect, bare name, IP URL
		"docs.google.com", // PDF
	} {
		if !strings.Contains(got, want) {
			t.Errorf("real-world host %q was not reported; got:\n%s", want, got)
		}
	}
	for _, ok := range []string{"contoso.example", "mailer-stats.example", "outlook.example", "2001:db8::1"} {
		for _, line := range strings.Split(got, "\n") {
			if strings.HasSuffix(line, " "+ok) {
				t.Errorf("allowed host %q was reported: %s", ok, line)
			}
		}
	}
	for host, want := range map[string]bool{
		"contoso.example": true, "xn--wodgrove-nbh.example": true, "a.b.test": true, "x.invalid": true,
		"www.example.com": true, "contoso.onmicrosoft.com": true, "198.51.100.23": true, "[203.0.113.5]": true,
		"2001:db8:10b6:301::a": true, "evil.onmicrosoft.com": false, "example.co": false, "contoso.com": false,
		"10.0.0.1": false, "2603:10b6:303:1eb::9": false, "examples.com": false, "intranet": false,
	} {
		if allowedHost(host) != want {
			t.Errorf("allowedHost(%q) = %v, want %v", host, !want, want)
		}
	}
}

// TestMIMECheckCatchesBrokenParts makes sure the structure checks can fail.
func TestMIMECheckCatchesBrokenParts(t *testing.T) {
	for name, body := range map[string]string{
		"unclosed boundary": "--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n",
		"bad base64":        "--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBER!!i0xLjQK\r\n--b1--\r\n",
		"nested unclosed":   "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\nContent-Type: text/plain\r\n\r\nx\r\n--b1--\r\n",
	} {
		h := mail.Header{"Content-Type": {`multipart/mixed; boundary="b1"`}}
		if _, err := walkMIME(textprotoHeader(h), strings.NewReader(body), 0); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestMessagesEmbedded(t *testing.T) {
	ms, err := Messages()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 48 {
		t.Fatalf("%d demo messages, want at least 48", len(ms))
	}
	verdicts := map[string]int{}
	for _, m := range ms {
		if len(m.Raw) == 0 || len(m.Recipients) == 0 {
			t.Fatalf("%s: empty message or no recipients", m.File)
		}
		verdicts[m.ExpectedVerdict]++
	}
	for _, v := range []string{"malicious", "suspicious", "spam", "benign"} {
		if verdicts[v] == 0 {
			t.Errorf("no %s demo message", v)
		}
	}
}
