package message

import "fmt"

// DefectKind names a class of problem found while reading a message.
// Defects are evidence: a message built to confuse parsers usually has some.
type DefectKind string

// Defect kinds.
const (
	DefectHeaderNoColon        DefectKind = "header_without_colon"
	DefectHeaderInvalidName    DefectKind = "header_invalid_name"
	DefectHeaderObsFolding     DefectKind = "header_unindented_continuation"
	DefectDuplicateSingleton   DefectKind = "duplicate_singleton_header"
	DefectMissingHeader        DefectKind = "missing_header"
	DefectBadEncodedWord       DefectKind = "bad_encoded_word"
	DefectBadAddress           DefectKind = "bad_address"
	DefectBadDate              DefectKind = "bad_date"
	DefectEightBitHeader       DefectKind = "eight_bit_header"
	DefectNoBody               DefectKind = "no_header_body_separator"
	DefectMissingBoundary      DefectKind = "missing_boundary"
	DefectBoundaryNotClosed    DefectKind = "boundary_not_closed"
	DefectTextAfterBoundary    DefectKind = "text_after_closing_boundary"
	DefectDataHasBoundary      DefectKind = "data_has_boundary"
	DefectMissingContentType   DefectKind = "missing_content_type"
	DefectBadContentType       DefectKind = "bad_content_type"
	DefectBadCharset           DefectKind = "bad_charset"
	DefectCharsetMismatch      DefectKind = "charset_mismatch"
	DefectBadBase64            DefectKind = "bad_base64"
	DefectBadQuotedPrintable   DefectKind = "bad_quoted_printable"
	DefectBadTransferEncoding  DefectKind = "bad_transfer_encoding"
	DefectMalformedPart        DefectKind = "malformed_part"
	DefectTruncated            DefectKind = "truncated"
	DefectLimit                DefectKind = "limit_reached"
	DefectTypeMismatch         DefectKind = "declared_type_mismatch"
	DefectAttachmentUnreadable DefectKind = "attachment_unreadable"
	DefectMIMEParse            DefectKind = "mime_parse_failed"
	DefectInternal             DefectKind = "internal_error"
)

// Defect is one problem found while reading, with where it was found.
type Defect struct {
	Kind DefectKind `json:"kind"`
	// Part is the MIME part id ("" for the top-level header block).
	Part   string `json:"part,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// String formats the defect for logs and test output.
func (d Defect) String() string {
	if d.Part != "" {
		return fmt.Sprintf("%s [%s]: %s", d.Kind, d.Part, d.Detail)
	}
	return fmt.Sprintf("%s: %s", d.Kind, d.Detail)
}

// maxDefects caps the defects recorded per message; one more defect says so.
const maxDefects = 500

// defectList collects defects under a cap.
type defectList struct {
	list    []Defect
	dropped int
}

func (d *defectList) add(kind DefectKind, part, format string, args ...any) {
	if len(d.list) >= maxDefects {
		d.dropped++
		return
	}
	detail := format
	if len(args) > 0 {
		detail = fmt.Sprintf(format, args...)
	}
	if len(detail) > 300 {
		detail = truncateUTF8(detail, 300) + "…"
	}
	d.list = append(d.list, Defect{Kind: kind, Part: part, Detail: detail})
}

func (d *defectList) result() []Defect {
	out := d.list
	if out == nil {
		out = []Defect{}
	}
	if d.dropped > 0 {
		out = append(out, Defect{Kind: DefectLimit, Detail: fmt.Sprintf("%d more defects not recorded", d.dropped)})
	}
	return out
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
