package message

import (
	"crypto/sha256"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// maxIndicatorText bounds the text scanned for indicators per body.
const maxIndicatorText = 2 << 20

var (
	emailRegexp = regexp.MustCompile(`[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.)+[A-Za-z]{2,24}`)
	ipv4Regexp  = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	// phoneRegexp matches international numbers (+CC or 00CC), North American
	// ones with separators ("(828)-582-4130" too) and 0800 toll-free numbers
	// ("0800-323-5054", "0800 123 4567").
	phoneRegexp = regexp.MustCompile(`(?:\+|\b00)[1-9]\d{0,2}[\s.\-]?\(?\d{1,4}\)?(?:[\s.\-]?\d{2,4}){2,4}\b|(?:\(\d{3}\)[\s.\-]?|\b\d{3}[\s.\-])\d{3}[\s.\-]\d{4}\b|\b0800[\s.\-]?\d{3}[\s.\-]?\d{4}\b`)
	btcRegexp   = regexp.MustCompile(`\b(?:bc1[ac-hj-np-z02-9]{11,71}|[13][1-9A-HJ-NP-Za-km-z]{25,34})\b`)
	ethRegexp   = regexp.MustCompile(`\b0x[0-9a-fA-F]{40}\b`)
	trxRegexp   = regexp.MustCompile(`\bT[1-9A-HJ-NP-Za-km-z]{33}\b`)
)

// scanTextIndicators finds e-mail addresses, IPv4 addresses, phone numbers
// and wallet addresses in t. The regular expressions run only on short
// candidate spans found by a cheap scan, which keeps large bodies fast.
func scanTextIndicators(t string, emit func(kind, v string)) {
	// Words (split on whitespace and markup punctuation): addresses and wallets.
	for w := range strings.FieldsFuncSeq(t, isWordBreak) {
		if len(w) > 320 {
			continue
		}
		if strings.IndexByte(w, '@') > 0 {
			for _, e := range emailRegexp.FindAllString(w, 10) {
				emit("email", e)
			}
			continue
		}
		if len(w) >= 26 && len(w) <= 90 {
			for _, s := range btcRegexp.FindAllString(w, 2) {
				if validBitcoin(s) {
					emit("BTC", s)
				}
			}
			for _, s := range ethRegexp.FindAllString(w, 2) {
				emit("ETH", s)
			}
			for _, s := range trxRegexp.FindAllString(w, 2) {
				if validBase58Check(s) {
					emit("TRX", s)
				}
			}
		}
	}
	// Numeric spans (digits, spaces, + ( ) - .): IPs and phone numbers.
	start, digits := -1, 0
	flush := func(end int) {
		if start >= 0 && digits >= 7 {
			span := t[start:end]
			if len(span) <= 200 {
				for _, s := range ipv4Regexp.FindAllString(span, 20) {
					if a, err := netip.ParseAddr(s); err == nil {
						emit("ip", a.String())
					}
				}
				phones := phoneRegexp.FindAllString(span, 20)
				if len(phones) == 0 && strings.Contains(span, "(") {
					// "+1 – (888) - (596) - (1028)": every group bracketed
					// and spaced; read it with single spaces between groups.
					phones = phoneRegexp.FindAllString(collapseSeparators(span), 20)
				}
				for _, p := range phones {
					if !ipv4Regexp.MatchString(p) {
						emit("phone", normalizePhone(p))
					}
				}
			}
		}
		start, digits = -1, 0
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
			if start < 0 {
				start = i
				if i > 0 && (t[i-1] == '+' || t[i-1] == '(') {
					start = i - 1
				}
			}
			digits++
		case start >= 0 && (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+'):
		case start >= 0 && isDashAt(t, i):
			i += 2 // an en or em dash (3 bytes in UTF-8) separates groups too
		default:
			flush(i)
		}
	}
	flush(len(t))
}

// isDashAt reports an en dash (U+2013) or em dash (U+2014) at t[i].
func isDashAt(t string, i int) bool {
	return i+2 < len(t) && t[i] == 0xE2 && t[i+1] == 0x80 && (t[i+2] == 0x93 || t[i+2] == 0x94)
}

// collapseSeparators rewrites a numeric span with one space between digit
// groups: brackets, dots, dashes (ASCII, en and em) and spaces between them
// become a single space; a leading + is kept.
func collapseSeparators(span string) string {
	var b strings.Builder
	sep := false
	for i := 0; i < len(span); i++ {
		c := span[i]
		switch {
		case c >= '0' && c <= '9':
			if sep && b.Len() > 0 {
				b.WriteByte(' ')
			}
			sep = false
			b.WriteByte(c)
		case c == '+' && b.Len() == 0:
			b.WriteByte(c)
		case isDashAt(span, i):
			i += 2
			sep = true
		default:
			sep = true
		}
	}
	return b.String()
}

func isWordBreak(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '<', '>', '"', '\'', '(', ')', '[', ']', '{', '}', ',', ';', '\u00a0':
		return true
	}
	return false
}

// indicatorSet de-duplicates indicator values while keeping first-seen order.
type indicatorSet struct {
	seen map[string]bool
	list []string
}

func (s *indicatorSet) add(v string) {
	if v == "" || len(v) > 2048 {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if !s.seen[v] {
		s.seen[v] = true
		s.list = append(s.list, v)
	}
}

// collectIndicators gathers de-duplicated observables from the model: link
// targets and their domains and IPs, sender addresses, addresses, IPs, phone
// numbers and wallet addresses in the text, public IPs of the Received chain,
// and attachment hashes.
func collectIndicators(m *Message) Indicators {
	var urls, domains, ips, emails, phones, hashes indicatorSet
	var crypto []CryptoAddress
	cryptoSeen := map[string]bool{}
	for _, l := range m.Links {
		if l.Scheme == "mailto" {
			if addr := mailtoAddress(l.Unwrapped); addr != "" {
				emails.add(addr)
			}
		} else {
			urls.add(l.Unwrapped)
			if l.Unwrapped != l.URL {
				urls.add(l.URL)
			}
		}
		if l.IsIP {
			ips.add(l.Host)
		} else if l.Domain != "" {
			domains.add(l.Domain)
		}
	}
	for _, a := range []*Address{m.From, m.Sender} {
		if a != nil {
			addEmail(&emails, &domains, a.Address)
		}
	}
	for _, a := range m.ReplyTo {
		addEmail(&emails, &domains, a.Address)
	}
	addEmail(&emails, &domains, m.ReturnPath)
	for _, h := range m.Received {
		for _, ip := range h.IPs {
			if a, err := netip.ParseAddr(ip); err == nil && isPublic(a) {
				ips.add(ip)
			}
		}
	}
	texts := []string{m.VisibleText}
	if m.Text != "" && m.Text != m.VisibleText {
		texts = append(texts, m.Text)
	}
	for _, h := range m.Hidden {
		texts = append(texts, h.Text)
	}
	for _, t := range texts {
		t = truncateUTF8(t, maxIndicatorText)
		addCrypto := func(cur, addr string) {
			if !cryptoSeen[addr] && len(crypto) < 100 {
				cryptoSeen[addr] = true
				crypto = append(crypto, CryptoAddress{Currency: cur, Address: addr})
			}
		}
		scanTextIndicators(t, func(kind, v string) {
			switch kind {
			case "email":
				addEmail(&emails, &domains, v)
			case "ip":
				ips.add(v)
			case "phone":
				phones.add(v)
			case "BTC", "ETH", "TRX":
				addCrypto(kind, v)
			}
		})
	}
	for _, a := range m.Attachments {
		hashes.add(a.SHA256)
		if a.Archive != nil {
			addArchiveHashes(&hashes, a.Archive)
		}
	}
	return Indicators{
		URLs: urls.list, Domains: domains.list, IPs: ips.list, Emails: emails.list,
		Phones: phones.list, Crypto: crypto, Hashes: hashes.list,
	}
}

func addArchiveHashes(hs *indicatorSet, a *Archive) {
	for _, e := range a.Entries {
		hs.add(e.SHA256)
		if e.Nested != nil {
			addArchiveHashes(hs, e.Nested)
		}
	}
}

func addEmail(emails, domains *indicatorSet, addr string) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return
	}
	emails.add(addr)
	if d := hostInfo(addr[at+1:]); d.domain != "" && !d.isIP && strings.Contains(d.domain, ".") {
		domains.add(d.domain)
	}
}

func mailtoAddress(u string) string {
	s := u
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "@") {
		return ""
	}
	return s
}

// cgnat is the shared address space of RFC 6598.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// isPublic reports a globally routable address.
func isPublic(a netip.Addr) bool {
	return a.IsValid() && !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() &&
		!a.IsUnspecified() && !a.IsMulticast() && !cgnat.Contains(a)
}

// normalizePhone returns E.164 (+CC...) when the country code is written or
// the number is North American; the bare digits otherwise.
func normalizePhone(p string) string {
	intl := strings.HasPrefix(p, "+")
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, p)
	if !intl && strings.HasPrefix(digits, "00") {
		intl, digits = true, digits[2:]
	}
	switch {
	case intl && len(digits) >= 8 && len(digits) <= 15:
		return "+" + digits
	case !intl && len(digits) == 10 && digits[0] >= '2':
		return "+1" + digits
	case !intl && len(digits) == 11 && digits[0] == '1':
		return "+" + digits
	}
	return digits
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// validBase58Check decodes a base58 string and verifies its 4-byte double-SHA-256 checksum.
func validBase58Check(s string) bool {
	if len(s) > 64 {
		return false
	}
	var num []byte // big-endian, base 256
	for _, c := range []byte(s) {
		d := strings.IndexByte(base58Alphabet, c)
		if d < 0 {
			return false
		}
		carry := d
		for i := len(num) - 1; i >= 0; i-- {
			carry += int(num[i]) * 58
			num[i] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			num = append([]byte{byte(carry)}, num...)
			carry >>= 8
		}
	}
	for _, c := range []byte(s) {
		if c != '1' {
			break
		}
		num = append([]byte{0}, num...)
	}
	if len(num) < 5 {
		return false
	}
	payload, sum := num[:len(num)-4], num[len(num)-4:]
	h1 := sha256.Sum256(payload)
	h2 := sha256.Sum256(h1[:])
	return slices.Equal(h2[:4], sum)
}

// validBitcoin checks a legacy (base58check) or segwit (bech32/bech32m) address.
func validBitcoin(s string) bool {
	if strings.HasPrefix(s, "bc1") {
		return validBech32(s)
	}
	return validBase58Check(s)
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// validBech32 verifies a bech32 or bech32m checksum (BIP 173, BIP 350).
func validBech32(s string) bool {
	s = strings.ToLower(s)
	sep := strings.LastIndexByte(s, '1')
	if sep < 1 || sep+7 > len(s) {
		return false
	}
	hrp, data := s[:sep], s[sep+1:]
	values := make([]byte, 0, len(hrp)*2+1+len(data))
	for _, c := range []byte(hrp) {
		values = append(values, c>>5)
	}
	values = append(values, 0)
	for _, c := range []byte(hrp) {
		values = append(values, c&31)
	}
	for _, c := range []byte(data) {
		d := strings.IndexByte(bech32Charset, c)
		if d < 0 {
			return false
		}
		values = append(values, byte(d))
	}
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk == 1 || chk == 0x2bc830a3
}
