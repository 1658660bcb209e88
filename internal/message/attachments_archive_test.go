package message

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz/lzma"
)

// The 7z files under testdata/archives were made once with 7-Zip 26.02
// (`7zz a`) from two fictional files: notes.txt and docs/invoice.pdf.js.
//   normal.7z       default settings (LZMA2 content, LZMA-compressed header)
//   plainheader.7z  -mhc=off (header stored as is)
//   encrypted.7z    -p (AES content, names readable)
//   headerenc.7z    -p -mhe=on (names encrypted too)
// RAR files cannot be written with free tools, so the RAR tests build RAR 5
// archives by hand below (stored entries, from the RAR 5 format description).

func testParser(lim Limits) *parser {
	return &parser{lim: lim.withDefaults(), deadline: time.Now().Add(time.Minute)}
}

func readArchiveFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "archives", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// listing renders entries as "name size [enc] [kind]" lines for comparison.
func listing(ar *Archive) string {
	if ar == nil {
		return "<nil>"
	}
	var sb strings.Builder
	for _, e := range ar.Entries {
		fmt.Fprintf(&sb, "%s %d", e.Name, e.Size)
		if e.Encrypted {
			sb.WriteString(" enc")
		}
		if e.Kind != "" {
			sb.WriteString(" " + string(e.Kind))
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func Test7zListing(t *testing.T) {
	t.Parallel()
	const files = "docs/ 0\ndocs/invoice.pdf.js 39 script\nnotes.txt 59 other\n"
	const encFiles = "docs/ 0\ndocs/invoice.pdf.js 39 enc script\nnotes.txt 59 enc other\n"
	for _, tc := range []struct {
		name, file, want string
		encrypted        bool
	}{
		{"ok/compressed header", "normal.7z", files, false},
		{"ok/plain header", "plainheader.7z", files, false},
		{"encrypted/entries", "encrypted.7z", encFiles, true},
		{"encrypted/header", "headerenc.7z", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ar, errText := testParser(Limits{}).read7z(readArchiveFile(t, tc.file))
			if errText != "" {
				t.Fatalf("error %q", errText)
			}
			if ar.Format != "7z" || ar.Encrypted != tc.encrypted || ar.Truncated {
				t.Errorf("archive = %+v", ar)
			}
			if got := listing(ar); got != tc.want {
				t.Errorf("listing:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func Test7zMalformed(t *testing.T) {
	t.Parallel()
	normal := readArchiveFile(t, "normal.7z")
	plain := readArchiveFile(t, "plainheader.7z")
	manyFiles := append([]byte(nil), plain...)
	// Point the header at a hand-made one declaring 2^32-1 files.
	hdr := []byte{id7zHeader, id7zFilesInfo, 0xF0, 0xFF, 0xFF, 0xFF, 0xFF, id7zEnd, id7zEnd}
	manyFiles = append(manyFiles[:32], hdr...)
	binary.LittleEndian.PutUint64(manyFiles[12:], 0)
	binary.LittleEndian.PutUint64(manyFiles[20:], uint64(len(hdr)))
	binary.LittleEndian.PutUint32(manyFiles[8:], crc32.ChecksumIEEE(manyFiles[12:32]))
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"truncated/half", normal[:len(normal)/2], "truncated"},
		{"truncated/signature only", normal[:20], "shorter"},
		{"truncated/plain header cut", plain[:len(plain)-5], "truncated"},
		{"corrupt/header bytes", corrupt(plain, len(plain)-20), "7z:"},
		{"corrupt/compressed header", corrupt(normal, len(normal)-30), "7z:"},
		{"bomb/file count", manyFiles, "more than 40000"},
		{"bomb/file count in compressed header", build7zEncoded(t, hdr, coder7zLZMA), "more than 40000"},
		{"bomb/times in compressed header", build7zEncoded(t, []byte{id7zHeader, id7zFilesInfo, 0xE0, 0x80, 0x3E, 0x12, 1, 1, id7zEnd, id7zEnd}, coder7zLZMA), "7z:"},
		{"refused/header method", build7zEncoded(t, hdr, []byte{0x21}), "other than LZMA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ar, errText := testParser(Limits{}).read7z(tc.b)
			t.Logf("error %q", errText)
			if ar == nil || !strings.Contains(errText, tc.want) {
				t.Errorf("archive %+v, error %q, want an error with %q", ar, errText, tc.want)
			}
		})
	}
}

// build7zEncoded makes a 7z whose header is hdr, compressed with LZMA as
// 7-Zip does (coder id overridable, to test refusal of other methods).
func build7zEncoded(t *testing.T, hdr, coderID []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	zw, err := lzma.NewWriter(&z)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = zw.Write(hdr)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	props, packed := z.Bytes()[:5], z.Bytes()[13:]
	num := func(b []byte, v uint64) []byte { // 7z UINT64, values below 2^14 only
		if v < 0x80 {
			return append(b, byte(v))
		}
		return append(b, 0x80|byte(v>>8), byte(v))
	}
	eh := []byte{id7zEncodedHeader, id7zPackInfo, 0, 1, id7zSize}
	eh = num(eh, uint64(len(packed)))
	eh = append(eh, id7zEnd, id7zUnpackInfo, id7zFolder, 1, 0, 1, 0x20|byte(len(coderID)))
	eh = append(eh, coderID...)
	eh = append(eh, 5)
	eh = append(eh, props...)
	eh = append(eh, id7zCodersUnpackSize)
	eh = num(eh, uint64(len(hdr)))
	eh = append(eh, id7zEnd, id7zEnd)
	out := append([]byte(nil), sevenZipMagic...)
	out = append(out, 0, 4, 0, 0, 0, 0)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(packed)))
	out = binary.LittleEndian.AppendUint64(out, uint64(len(eh)))
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(eh))
	binary.LittleEndian.PutUint32(out[8:], crc32.ChecksumIEEE(out[12:32]))
	out = append(out, packed...)
	return append(out, eh...)
}

func corrupt(b []byte, at int) []byte {
	c := append([]byte(nil), b...)
	c[at] ^= 0x5A
	return c
}

func Test7zEntryCap(t *testing.T) {
	t.Parallel()
	ar, errText := testParser(Limits{MaxArchiveEntries: 2}).read7z(readArchiveFile(t, "normal.7z"))
	if errText != "" || len(ar.Entries) != 2 || !ar.Truncated {
		t.Errorf("archive %+v, error %q; want 2 entries, truncated", ar, errText)
	}
}

// rarEntry is one file of a hand-built RAR 5 archive (stored, not compressed).
type rarEntry struct {
	name      string
	data      string
	dir       bool
	encrypted bool
	// compInfo is the compression information field (0: stored); declared,
	// when set, is the unpacked size written instead of len(data).
	compInfo, declared uint64
}

// buildRar5 writes a RAR 5 archive: signature, main header, one file header
// (with its data) per entry, end header. An encrypted entry carries an
// encryption record with a fictional salt and IV; its data is left as is.
func buildRar5(entries []rarEntry, headerEncrypted bool) []byte {
	vint := func(b []byte, v uint64) []byte {
		for v >= 0x80 {
			b = append(b, byte(v)|0x80)
			v >>= 7
		}
		return append(b, byte(v))
	}
	block := func(out, body, data []byte) []byte {
		h := vint(nil, uint64(len(body)))
		h = append(h, body...)
		out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(h))
		out = append(out, h...)
		return append(out, data...)
	}
	out := append([]byte(nil), rarMagic5...)
	if headerEncrypted {
		// Archive encryption header (type 4): version 0, flags 0, KDF count 15, salt.
		body := vint(nil, 4)
		body = vint(body, 0)
		body = vint(body, 0)
		body = vint(body, 0)
		body = append(body, 15)
		body = append(body, bytes.Repeat([]byte{0x42}, 16)...)
		out = block(out, body, nil)
		// What follows would be encrypted: garbage is as good.
		return append(out, bytes.Repeat([]byte{0x17}, 64)...)
	}
	out = block(out, []byte{1, 0, 0}, nil) // main header: type 1, flags 0, archive flags 0
	for _, e := range entries {
		var extra []byte
		if e.encrypted {
			rec := vint(nil, 1) // record type 1: encryption
			rec = vint(rec, 0)  // AES-256
			rec = vint(rec, 0)  // flags: no password check
			rec = append(rec, 15)
			rec = append(rec, bytes.Repeat([]byte{0x24}, 32)...) // salt, IV
			extra = vint(nil, uint64(len(rec)))
			extra = append(extra, rec...)
		}
		flags := uint64(0x0002) // data area present
		if len(extra) > 0 {
			flags |= 0x0001
		}
		body := vint(nil, 2) // type 2: file
		body = vint(body, flags)
		if len(extra) > 0 {
			body = vint(body, uint64(len(extra)))
		}
		body = vint(body, uint64(len(e.data)))
		fileFlags := uint64(0)
		if e.dir {
			fileFlags |= 0x0001
		}
		body = vint(body, fileFlags)
		size := uint64(len(e.data))
		if e.declared > 0 {
			size = e.declared
		}
		body = vint(body, size)       // unpacked size
		body = vint(body, 0x20)       // attributes
		body = vint(body, e.compInfo) // compression information
		body = vint(body, 0)          // host OS: Windows
		body = vint(body, uint64(len(e.name)))
		body = append(body, e.name...)
		body = append(body, extra...)
		out = block(out, body, []byte(e.data))
	}
	return block(out, []byte{5, 0, 0}, nil) // end of archive: type 5, flags 0, end flags 0
}

func TestRarListing(t *testing.T) {
	t.Parallel()
	entries := []rarEntry{
		{name: "docs", dir: true},
		{name: "docs/invoice.pdf.js", data: "WScript.Echo(\"fictional\");\n"},
		{name: "notes.txt", data: "Fictional notes.\n"},
	}
	encEntries := append([]rarEntry(nil), entries...)
	encEntries[1].encrypted = true
	for _, tc := range []struct {
		name      string
		b         []byte
		want      string
		encrypted bool
	}{
		{"ok/stored", buildRar5(entries, false), "docs/ 0\ndocs/invoice.pdf.js 27 script\nnotes.txt 17 other\n", false},
		{"encrypted/entry", buildRar5(encEntries, false), "docs/ 0\ndocs/invoice.pdf.js 27 enc script\nnotes.txt 17 other\n", true},
		{"encrypted/header", buildRar5(nil, true), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ar, errText := testParser(Limits{}).readRar(tc.b)
			if errText != "" {
				t.Fatalf("error %q", errText)
			}
			if ar.Format != "rar" || ar.Encrypted != tc.encrypted || ar.Truncated {
				t.Errorf("archive = %+v", ar)
			}
			if got := listing(ar); got != tc.want {
				t.Errorf("listing:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestRarMalformed(t *testing.T) {
	t.Parallel()
	good := buildRar5([]rarEntry{{name: "a.txt", data: "fictional a"}, {name: "b.exe", data: "fictional b"}}, false)
	for _, tc := range []struct {
		name    string
		b       []byte
		entries int
	}{
		{"truncated/inside second header", good[:len(good)-20], 1},
		{"truncated/after signature", good[:10], 0},
		{"corrupt/header crc", corrupt(good, 12), 0},
		{"garbage/rar 4 signature", append(append([]byte(nil), rarMagic4...), bytes.Repeat([]byte{0xEE}, 100)...), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ar, errText := testParser(Limits{}).readRar(tc.b)
			t.Logf("%d entries, error %q", len(ar.Entries), errText)
			if ar == nil || errText == "" || len(ar.Entries) != tc.entries {
				t.Errorf("archive %+v, error %q; want %d entries and an error", ar, errText, tc.entries)
			}
		})
	}
	ar, errText := testParser(Limits{MaxArchiveEntries: 1}).readRar(good)
	if errText != "" || len(ar.Entries) != 1 || !ar.Truncated {
		t.Errorf("cap: archive %+v, error %q; want 1 entry, truncated", ar, errText)
	}
}

// TestRarDecoderSetUpBudget: rardecode sets a decoder up (allocating or
// clearing its window) for each compressed entry it passes, so entries that
// declare 64 MB windows and no data must stop the listing early.
func TestRarDecoderSetUpBudget(t *testing.T) {
	t.Parallel()
	var entries []rarEntry
	for i := range 500 {
		// RAR 5 method 3 (normal), dictionary 128 KB << 9 = 64 MB.
		entries = append(entries, rarEntry{name: fmt.Sprintf("f%03d.bin", i), compInfo: 3<<7 | 9<<10, declared: 1 << 40})
	}
	start := time.Now()
	ar, errText := testParser(Limits{}).readRar(buildRar5(entries, false))
	t.Logf("%d entries in %s, error %q", len(ar.Entries), time.Since(start), errText)
	if !ar.Truncated || len(ar.Entries) >= 500 || !strings.Contains(errText, "over budget") {
		t.Errorf("archive of %d entries, truncated %v, error %q; want the listing stopped", len(ar.Entries), ar.Truncated, errText)
	}
}

// TestArchiveAttachment parses a message carrying a 7z and a RAR attachment,
// one under a misleading name and type.
func TestArchiveAttachment(t *testing.T) {
	t.Parallel()
	rar := buildRar5([]rarEntry{{name: "payload.exe", data: "fictional"}}, false)
	sz := readArchiveFile(t, "normal.7z")
	raw := "From: a@example.com\r\nTo: b@example.org\r\nSubject: archives\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--XX\r\nContent-Type: application/octet-stream; name=\"files.7z\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(sz) + "\r\n" +
		"--XX\r\nContent-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(rar) + "\r\n" +
		"--XX\r\nContent-Type: application/x-7z-compressed; name=\"cut.7z\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(sz[:len(sz)-40]) + "\r\n--XX--\r\n"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]int{}
	for _, a := range m.Attachments {
		if a.Archive != nil && a.Error == "" {
			formats[a.Archive.Format] = len(a.Archive.Entries)
		}
	}
	defect := false
	for _, d := range m.Defects {
		if d.Kind == DefectAttachmentUnreadable && strings.HasPrefix(d.Detail, "7z: header beyond the end") {
			defect = true
		}
	}
	if !defect {
		t.Errorf("no attachment_unreadable defect for the cut 7z; defects %v", m.Defects)
	}
	if formats["7z"] != 3 || formats["rar"] != 1 {
		t.Errorf("listed %v, want 3 7z entries and 1 rar entry; attachments %+v", formats, m.Attachments)
	}
}

// fix7zCRCs returns a copy of b with the start-header and header CRCs of a
// 7z archive recomputed, where the header lies within b.
func fix7zCRCs(b []byte) []byte {
	c := append([]byte(nil), b...)
	if len(c) < 32 {
		return c
	}
	off, size := binary.LittleEndian.Uint64(c[12:]), binary.LittleEndian.Uint64(c[20:])
	if rest := uint64(len(c) - 32); off <= rest && size <= rest-off {
		binary.LittleEndian.PutUint32(c[28:], crc32.ChecksumIEEE(c[32+off:32+off+size]))
	}
	binary.LittleEndian.PutUint32(c[8:], crc32.ChecksumIEEE(c[12:32]))
	return c
}

// fixRar5CRCs returns a copy of b with the CRC of each RAR 5 block header
// recomputed, following the blocks' header and data sizes.
func fixRar5CRCs(b []byte) []byte {
	c := append([]byte(nil), b...)
	vint := func(i int) (uint64, int) {
		var v uint64
		for s := 0; i < len(c) && s < 64; s += 7 {
			v |= uint64(c[i]&0x7F) << s
			i++
			if c[i-1]&0x80 == 0 {
				return v, i
			}
		}
		return 0, -1
	}
	for i := len(rarMagic5); i+5 <= len(c); {
		size, j := vint(i + 4)
		if j < 0 || size > uint64(len(c)-j) {
			break
		}
		end := j + int(size)
		binary.LittleEndian.PutUint32(c[i:], crc32.ChecksumIEEE(c[i+4:end]))
		_, k := vint(j) // type
		if k < 0 {
			break
		}
		flags, k := vint(k)
		if k < 0 {
			break
		}
		if flags&1 != 0 {
			if _, k = vint(k); k < 0 {
				break
			}
		}
		var data uint64
		if flags&2 != 0 {
			if data, k = vint(k); k < 0 {
				break
			}
		}
		if data > uint64(len(c)-end) {
			break
		}
		i = end + int(data)
	}
	return c
}

// FuzzArchiveListing feeds the 7z and RAR readers: on any bytes they must
// return, without panicking, a listing of at most the entry cap.
func FuzzArchiveListing(f *testing.F) {
	for _, name := range []string{"normal.7z", "plainheader.7z", "encrypted.7z", "headerenc.7z"} {
		b, err := os.ReadFile(filepath.Join("testdata", "archives", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(buildRar5([]rarEntry{{name: "a.txt", data: "fictional"}, {name: "d", dir: true}, {name: "e.js", data: "x", encrypted: true}}, false))
	f.Add(buildRar5(nil, true))
	f.Add(append(append([]byte(nil), rarMagic4...), 0, 0, 0x73, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0))
	const maxEntries = 3
	f.Fuzz(func(t *testing.T, b []byte) {
		p := testParser(Limits{MaxArchiveEntries: maxEntries})
		// Besides the bytes as given, try them with the checksums fixed up,
		// so that the libraries' header parsers are reached.
		inputs := [][]byte{b, append(append([]byte(nil), sevenZipMagic...), b...), append(append([]byte(nil), rarMagic5...), b...)}
		inputs = append(inputs, fix7zCRCs(inputs[1]), fixRar5CRCs(inputs[2]))
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("listing took %s", d)
			}
		}()
		for _, in := range inputs {
			var ar *Archive
			var errText string
			if bytes.HasPrefix(in, sevenZipMagic) {
				ar, errText = p.read7z(in)
			} else {
				ar, errText = p.readRar(in)
			}
			if ar == nil {
				t.Fatal("no archive")
			}
			if strings.Contains(errText, "reader failed") {
				t.Errorf("library panicked (recovered): %s", errText)
			}
			if len(ar.Entries) > maxEntries {
				t.Fatalf("%d entries listed, cap %d", len(ar.Entries), maxEntries)
			}
		}
	})
}

// TestCorpusArchives lists the 7z and RAR attachments of the shared corpus
// (messages whose text names or carries one) and checks each was looked into
// without a panic. Run with -v to see the listings.
func TestCorpusArchives(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("corpus walk")
	}
	hints := []string{".7z", ".rar", "x-7z", "rar-compressed", "vnd.rar", "N3q8ryc", "UmFyIRoH"}
	found := 0
	for _, p := range corpusFiles(t, "") {
		raw, err := os.ReadFile(p)
		if err != nil || len(raw) == 0 {
			continue
		}
		low := strings.ToLower(string(raw))
		hit := false
		for _, h := range hints {
			if strings.Contains(low, strings.ToLower(h)) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		m, err := Parse(raw, Limits{})
		if err != nil {
			continue
		}
		for _, a := range m.Attachments {
			if a.Archive != nil {
				for _, e := range a.Archive.Entries {
					if ext := strings.ToLower(filepath.Ext(e.Name)); ext == ".7z" || ext == ".rar" || e.Sniffed == "application/x-7z-compressed" || e.Sniffed == "application/vnd.rar" {
						t.Logf("%s: %q inside %q (%s): not opened", p, e.Name, a.Filename, a.Archive.Format)
					}
				}
			}
			is7z := a.Sniffed == "application/x-7z-compressed" || a.Extension == "7z"
			isRar := a.Sniffed == "application/vnd.rar" || a.Sniffed == "application/x-rar-compressed" || a.Extension == "rar"
			if !is7z && !isRar {
				continue
			}
			found++
			if strings.HasPrefix(a.Error, "reader failed") {
				t.Errorf("%s: %s: %s", p, a.Filename, a.Error)
			}
			if a.Archive == nil {
				t.Logf("%s: %q (sniffed %s, %d bytes): not listed; error %q", p, a.Filename, a.Sniffed, a.Size, a.Error)
				continue
			}
			t.Logf("%s: %q (%s, %d bytes): %d entries, encrypted %v, truncated %v, error %q\n%s",
				p, a.Filename, a.Archive.Format, a.Size, len(a.Archive.Entries), a.Archive.Encrypted, a.Archive.Truncated, a.Error, listing(a.Archive))
		}
	}
	t.Logf("%d 7z/RAR attachments", found)
}
