//lint:file-ignore SA1019 zip.Writer.CreateRaw only writes the DOS ModifiedDate/ModifiedTime fields

package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"time"
)

const crlf = "\r\n"

// Att is an attachment or inline part.
type Att struct {
	Name   string
	CType  string
	Data   []byte
	Inline bool
	CID    string
}

// M is one demo message.
type M struct {
	File, Verdict, Category, QType, Policy string
	Rcpt                                   []string
	Desc                                   string

	FromName, FromAddr string
	MailFrom           string // envelope sender; "" = FromAddr; "<>" = null
	ReplyTo            string // full header value
	To, Cc             string // header values; To defaults from Rcpt
	Subject            string
	Date               time.Time

	IP, Helo, Country, PTR string
	OriginHop              string // optional earliest Received (full value)
	SPF                    string
	DKIM                   string // pass, fail, none
	DKIMDomain             string
	DMARC, DMARCAction     string
	CompAuth               string
	SCL, BCL               int
	SFV, CAT               string
	Lang                   string
	Internal               bool

	Extra    [][2]string
	Text     string
	HTML     string
	Related  []Att
	Atts     []Att
	Calendar string // alternative text/calendar part (method=REQUEST)
	Raw      func(boundary string) (ctype, body string)
	MsgID    string
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return strings.ToLower(addr)
}

func hexOf(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return strings.ToUpper(hex.EncodeToString(h[:]))
}

func guid(parts ...string) string {
	h := strings.ToLower(hexOf(parts...))
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

func b64lines(data []byte) string {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + crlf)
		s = s[76:]
	}
	b.WriteString(s + crlf)
	return b.String()
}

func qp(s string) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	w.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
	w.Close()
	out := buf.String()
	if !strings.HasSuffix(out, crlf) {
		out += crlf
	}
	return out
}

func isASCIIShort(s string) bool {
	for _, r := range s {
		if r > 126 {
			return false
		}
	}
	for _, l := range strings.Split(s, "\n") {
		if len(l) > 76 {
			return false
		}
	}
	return true
}

// fold folds a header at spaces (or ';') to keep lines under ~78 chars.
func fold(name, value string) string {
	line := name + ": "
	var out strings.Builder
	cur := len(line)
	out.WriteString(line)
	words := strings.Split(value, " ")
	for i, w := range words {
		if i > 0 {
			if cur+1+len(w) > 78 {
				out.WriteString(crlf + " ")
				cur = 1
			} else {
				out.WriteString(" ")
				cur++
			}
		}
		out.WriteString(w)
		cur += len(w)
	}
	return out.String() + crlf
}

func encWord(s string) string {
	for _, r := range s {
		if r > 126 {
			return mime.BEncoding.Encode("utf-8", s)
		}
	}
	if strings.ContainsAny(s, `,.()<>@:;"[]`) {
		return `"` + s + `"`
	}
	return s
}

func addrHdr(name, addr string) string {
	if name == "" {
		return addr
	}
	return encWord(name) + " <" + addr + ">"
}

func textPart(ctype, body string) string {
	if isASCIIShort(body) {
		return "Content-Type: " + ctype + "; charset=\"us-ascii\"" + crlf +
			"Content-Transfer-Encoding: 7bit" + crlf + crlf + strings.ReplaceAll(body, "\n", crlf) + crlf
	}
	return "Content-Type: " + ctype + "; charset=\"utf-8\"" + crlf +
		"Content-Transfer-Encoding: quoted-printable" + crlf + crlf + qp(body)
}

func attPart(a Att) string {
	disp := "attachment"
	if a.Inline {
		disp = "inline"
	}
	var b strings.Builder
	b.WriteString("Content-Type: " + a.CType + "; name=\"" + a.Name + "\"" + crlf)
	b.WriteString("Content-Description: " + a.Name + crlf)
	b.WriteString(fmt.Sprintf("Content-Disposition: %s; filename=\"%s\"; size=%d;%screation-date=\"Wed, 11 Mar 2026 09:12:44 GMT\";%smodification-date=\"Wed, 11 Mar 2026 09:12:44 GMT\"", disp, a.Name, len(a.Data), crlf+"\t", crlf+"\t") + crlf)
	if a.CID != "" {
		b.WriteString("Content-ID: <" + a.CID + ">" + crlf)
	}
	b.WriteString("Content-Transfer-Encoding: base64" + crlf + crlf)
	b.WriteString(b64lines(a.Data))
	return b.String()
}

func multipart(ctype, boundary string, parts []string) string {
	var b strings.Builder
	b.WriteString("Content-Type: " + ctype + ";" + crlf + "\tboundary=\"" + boundary + "\"" + crlf + crlf)
	for _, p := range parts {
		b.WriteString("--" + boundary + crlf + p)
	}
	b.WriteString("--" + boundary + "--" + crlf)
	return b.String()
}

// body returns the MIME entity (Content-Type headers + blank line + body).
func (m *M) body() string {
	h := strings.ToLower(hexOf(m.File))[:24]
	bnd := func(n int) string { return fmt.Sprintf("_%03d_%s_", n, strings.ToUpper(h)) }
	if m.Raw != nil {
		ct, body := m.Raw(bnd(0))
		return ct + body
	}
	var alt []string
	if m.Text != "" {
		alt = append(alt, textPart("text/plain", m.Text))
	}
	if m.HTML != "" {
		alt = append(alt, textPart("text/html", m.HTML))
	}
	if m.Calendar != "" {
		alt = append(alt, "Content-Type: text/calendar; charset=\"utf-8\"; method=REQUEST"+crlf+
			"Content-Transfer-Encoding: base64"+crlf+crlf+b64lines([]byte(strings.ReplaceAll(m.Calendar, "\n", crlf))))
	}
	var main string
	if len(alt) == 1 {
		main = alt[0]
	} else {
		main = multipart("multipart/alternative", bnd(1), alt)
	}
	if len(m.Related) > 0 {
		parts := []string{main}
		for _, a := range m.Related {
			parts = append(parts, attPart(a))
		}
		main = multipart("multipart/related; type=\"multipart/alternative\"", bnd(2), parts)
	}
	if len(m.Atts) > 0 {
		parts := []string{main}
		for _, a := range m.Atts {
			parts = append(parts, attPart(a))
		}
		main = multipart("multipart/mixed", bnd(3), parts)
	}
	return main
}

var rfc = "Mon, 2 Jan 2006 15:04:05 -0700"

func (m *M) render() string {
	var b strings.Builder
	w := func(name, value string) { b.WriteString(fold(name, value)) }
	t := m.Date.UTC()
	tEdge := t.Add(3 * time.Second)
	tHub := t.Add(4 * time.Second)
	tMbx := t.Add(5 * time.Second)
	id := hexOf(m.File)
	num := func(i int) string {
		v, _ := strconv.ParseUint(id[i:i+8], 16, 64)
		return fmt.Sprintf("%04d", v%10000)
	}
	mbx := "SA1PR19MB" + num(0) + ".namprd19.prod.outlook.example"
	mbx2 := "DS7PR19MB" + num(8) + ".namprd19.prod.outlook.example"
	hub := "BN9PR03CA" + num(16) + ".namprd03.prod.outlook.example"
	edge := "BN2PEPF0000" + id[12:16] + ".mail.protection.outlook.example"
	v6 := func(n int) string { return fmt.Sprintf("2001:db8:10b6:%x::%x", 0x300+n, n*7+3) }
	srv := "with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8722.19;"
	w("Received", fmt.Sprintf("from %s (%s) by %s with HTTPS; %s", mbx, v6(1), mbx2, tMbx.Format(rfc)))
	w("Received", fmt.Sprintf("from %s (%s) by %s (%s) %s %s", hub, v6(2), mbx, v6(1), srv, tHub.Format(rfc)))
	mailFrom := m.MailFrom
	if mailFrom == "" {
		mailFrom = m.FromAddr
	}
	mfDomain := domainOf(mailFrom)
	if mailFrom == "<>" {
		mfDomain = m.Helo
	}
	// Authentication-Results
	var spf string
	switch m.SPF {
	case "pass", "fail", "softfail", "none", "neutral", "temperror":
		spf = fmt.Sprintf("spf=%s (sender IP is %s) smtp.mailfrom=%s;", m.SPF, m.IP, mfDomain)
	default:
		panic(m.File + ": spf")
	}
	var dkim string
	switch m.DKIM {
	case "pass":
		dkim = "dkim=pass (signature was verified) header.d=" + m.DKIMDomain + ";"
	case "fail":
		dkim = "dkim=fail (body hash did not verify) header.d=" + m.DKIMDomain + ";"
	case "none":
		dkim = "dkim=none (message not signed) header.d=none;"
	default:
		panic(m.File + ": dkim")
	}
	fromDomain := domainOf(m.FromAddr)
	dmarc := fmt.Sprintf("dmarc=%s action=%s header.from=%s;compauth=%s", m.DMARC, m.DMARCAction, fromDomain, m.CompAuth)
	w("Authentication-Results", spf+" "+dkim+dmarc)
	var rspf string
	switch m.SPF {
	case "pass":
		rspf = fmt.Sprintf("Pass (protection.outlook.example: domain of %s designates %s as permitted sender)", mfDomain, m.IP)
	case "fail":
		rspf = fmt.Sprintf("Fail (protection.outlook.example: domain of %s does not designate %s as permitted sender)", mfDomain, m.IP)
	case "softfail":
		rspf = fmt.Sprintf("SoftFail (protection.outlook.example: domain of transitioning %s discourages use of %s as permitted sender)", mfDomain, m.IP)
	case "none":
		rspf = fmt.Sprintf("None (protection.outlook.example: %s does not designate permitted sender hosts)", mfDomain)
	case "neutral":
		rspf = fmt.Sprintf("Neutral (protection.outlook.example: %s is neither permitted nor denied by domain of %s)", m.IP, mfDomain)
	}
	w("Received-SPF", fmt.Sprintf("%s receiver=protection.outlook.example; client-ip=%s; helo=%s;", rspf, m.IP, m.Helo))
	w("Received", fmt.Sprintf("from %s (%s) by %s (%s) %s via Frontend Transport; %s", m.Helo, m.IP, edge, v6(3), strings.TrimSuffix(srv, ";"), tEdge.Format(rfc)))
	origin := m.OriginHop
	if origin == "" && !m.Internal && id[5]%2 == 0 {
		v, _ := strconv.ParseUint(id[6:10], 16, 64)
		cip := fmt.Sprintf("192.0.2.%d", 10+v%200)
		origin = fmt.Sprintf("from [%s] (unknown [%s]) by %s (Postfix) with ESMTPSA id 4Q%s for <%s>", cip, cip, m.Helo, strings.ToLower(id[24:32]), m.Rcpt[0])
	}
	if origin != "" {
		w("Received", origin+"; "+t.Add(1*time.Second).Format(rfc))
	}
	if m.DKIM == "pass" || m.DKIM == "fail" {
		bh := base64.StdEncoding.EncodeToString(func() []byte { s := sha256.Sum256([]byte("bh" + m.File)); return s[:] }())
		sig := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(hexOf("sig", m.File), 3)))[:172]
		w("DKIM-Signature", fmt.Sprintf("v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=s2026a; t=%d; h=from:to:subject:date:message-id:mime-version:content-type; bh=%s; b=%s", m.DKIMDomain, t.Unix(), bh, sig))
	}
	rp := mailFrom
	if rp != "<>" {
		rp = "<" + rp + ">"
	}
	w("Return-Path", rp)
	w("From", addrHdr(m.FromName, m.FromAddr))
	to := m.To
	if to == "" {
		to = strings.Join(m.Rcpt, ", ")
	}
	w("To", to)
	if m.Cc != "" {
		w("Cc", m.Cc)
	}
	if m.ReplyTo != "" {
		w("Reply-To", m.ReplyTo)
	}
	w("Subject", encWord2(m.Subject))
	w("Date", m.Date.Format(rfc))
	msgid := m.MsgID
	if msgid == "" {
		msgid = fmt.Sprintf("<%s.%s@%s>", t.Format("20060102150405"), strings.ToLower(id[20:32]), m.Helo)
	}
	w("Message-ID", msgid)
	for _, e := range m.Extra {
		w(e[0], e[1])
	}
	w("MIME-Version", "1.0")
	// Exchange Online stamps
	netID := guid("net", m.File)
	w("X-MS-Exchange-Organization-Network-Message-Id", netID)
	w("X-MS-Exchange-Organization-MessageDirectionality", "Incoming")
	if m.Internal {
		w("X-MS-Exchange-Organization-AuthAs", "Internal")
		w("X-MS-Exchange-Organization-AuthMechanism", "04")
	} else {
		w("X-MS-Exchange-Organization-AuthAs", "Anonymous")
	}
	w("X-MS-Exchange-Organization-AuthSource", edge)
	w("X-MS-Exchange-CrossTenant-Id", tenantID)
	w("X-MS-Exchange-CrossTenant-OriginalArrivalTime", tEdge.Format("02 Jan 2006 15:04:05.0000 (UTC)"))
	w("X-MS-Exchange-CrossTenant-Network-Message-Id", netID)
	w("X-MS-Office365-Filtering-Correlation-Id", netID)
	w("X-MS-Exchange-Organization-SCL", fmt.Sprint(m.SCL))
	w("X-Microsoft-Antispam", fmt.Sprintf("BCL:%d;", m.BCL))
	lang := m.Lang
	if lang == "" {
		lang = "en"
	}
	ptr := m.PTR
	if ptr == "" {
		ptr = m.Helo
	}
	sfs := fmt.Sprintf("(13230040)(%d)(1800799024)(69100299015)(8096899003)", 4000000+int(id[0])*1000+int(id[1]))
	w("X-Forefront-Antispam-Report", fmt.Sprintf("CIP:%s;CTRY:%s;LANG:%s;SCL:%d;SRV:%s;IPV:NLI;SFV:%s;H:%s;PTR:%s;CAT:%s;SFS:%s;DIR:INB;", m.IP, m.Country, lang, m.SCL, srvFor(m), m.SFV, m.Helo, ptr, m.CAT, sfs))
	w("X-MS-Exchange-Transport-CrossTenantHeadersStamped", mbx2)
	b.WriteString(m.body())
	return b.String()
}

func srvFor(m *M) string {
	if m.CAT == "BULK" {
		return "BULK"
	}
	return ""
}

func encWord2(s string) string {
	for _, r := range s {
		if r > 126 {
			return mime.BEncoding.Encode("utf-8", s)
		}
	}
	return s
}

const tenantID = "7c0e1f3a-5d2b-4e8f-9a61-c0b7e55a2026"

// ---- payload builders ----

type zf struct {
	name string
	data []byte
}

func mkzip(files ...zf) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	mod := time.Date(2026, 3, 10, 14, 2, 0, 0, time.UTC)
	for _, f := range files {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			panic(err)
		}
		fw.Write(f.data)
	}
	w.Close()
	return buf.Bytes()
}

// mkEncryptedZip writes an archive whose only entry is flagged as
// encrypted (traditional PKWARE): the 12-byte header and data are random-looking
// filler, so it can't be opened, like a real password-protected lure.
func mkEncryptedZip(name string, size int) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	filler := make([]byte, 0, size+12)
	for i := 0; len(filler) < size+12; i++ {
		s := sha256.Sum256([]byte(fmt.Sprint("enc", i)))
		filler = append(filler, s[:]...)
	}
	filler = filler[:size+12]
	// CreateRaw does not convert Modified, so the DOS time fields are set directly.
	fh := &zip.FileHeader{Name: name, Method: zip.Store, Flags: 0x1, CRC32: crc32.ChecksumIEEE([]byte("x")),
		CompressedSize64: uint64(len(filler)), UncompressedSize64: uint64(size),
		ModifiedDate: (2026-1980)<<9 | 3<<5 | 12, ModifiedTime: 8<<11 | 30<<5}
	fw, err := w.CreateRaw(fh)
	if err != nil {
		panic(err)
	}
	fw.Write(filler)
	w.Close()
	return buf.Bytes()
}

// mkPDF builds a small valid one-page PDF with the given lines and an optional link annotation.
func mkPDF(title string, lines []string, uri string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 12 Tf 56 760 Td 16 TL\n")
	for _, l := range lines {
		l = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(l)
		content.WriteString("(" + l + ") '\n")
	}
	content.WriteString("ET\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"", // page
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		fmt.Sprintf("<< /Title (%s) /Producer (qtriage demo data - fictional) /CreationDate (D:20260311091200Z) >>", title),
	}
	page := "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R"
	if uri != "" {
		objs = append(objs, fmt.Sprintf("<< /Type /Annot /Subtype /Link /Rect [50 560 560 620] /Border [0 0 0] /A << /S /URI /URI (%s) >> >>", uri))
		page += " /Annots [7 0 R]"
	}
	objs[2] = page + " >>"
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// mkLNK returns a minimal Windows shell-link header followed by inert
// string data (a harmless echo command). It is not a working shortcut.
func mkLNK() []byte {
	var b bytes.Buffer
	hdr := make([]byte, 0x4C)
	binary.LittleEndian.PutUint32(hdr[0:], 0x4C)
	copy(hdr[4:], []byte{0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46})
	binary.LittleEndian.PutUint32(hdr[0x14:], 0x000000A0) // HasArguments|IsUnicode... (indicative only)
	b.Write(hdr)
	for _, s := range []string{`C:\Windows\System32\cmd.exe`, `/c echo qtriage demo placeholder - this shortcut does nothing`, `%SystemRoot%\System32\shell32.dll`} {
		u := make([]byte, 0, len(s)*2+2)
		u = binary.LittleEndian.AppendUint16(u, uint16(len(s)))
		for _, r := range s {
			u = binary.LittleEndian.AppendUint16(u, uint16(r))
		}
		b.Write(u)
	}
	return b.Bytes()
}

// bitcoinAddr builds a syntactically valid P2PKH address from a fixed
// fictional hash (no known key behind it).
func bitcoinAddr(seed string) string {
	h := sha256.Sum256([]byte(seed))
	payload := append([]byte{0x00}, h[:20]...)
	c1 := sha256.Sum256(payload)
	c2 := sha256.Sum256(c1[:])
	full := append(payload, c2[:4]...)
	const alpha = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	n := new(big.Int).SetBytes(full)
	var out []byte
	mod := new(big.Int)
	b58 := big.NewInt(58)
	for n.Sign() > 0 {
		n.DivMod(n, b58, mod)
		out = append([]byte{alpha[mod.Int64()]}, out...)
	}
	for _, c := range full {
		if c != 0 {
			break
		}
		out = append([]byte{'1'}, out...)
	}
	return string(out)
}
