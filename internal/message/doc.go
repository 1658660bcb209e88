// Package message turns the raw bytes of one email into a bounded, faithful
// model: ordered headers (raw and decoded), convenience fields, the Received
// chain, authentication results, the MIME tree with hashes and sniffed types,
// bodies decoded to UTF-8, the visible text and hidden content of the HTML,
// links (unwrapped), attachments looked into, indicators, and a list of
// defects found while reading.
//
// The package is pure: bytes in, model out. It never touches the network
// (URLs are parsed, never fetched), never panics on any input, and every
// allocation is bounded by [Limits].
//
// Where each concern lives:
//
//	parse.go              Parse, the orchestration and the panic guard
//	limits.go             Limits and DefaultLimits
//	defects.go            DefectKind and Defect
//	model.go              the JSON model (Message, Part, Address, ...)
//	headers.go            ordered raw header parsing, duplicate singletons
//	charset.go            RFC 2047 encoded words, charsets (x/text, UTF-7), 8-bit text
//	address.go            convenience fields (From, To, Date, ...)
//	received.go           Received chain hops
//	auth.go               Authentication-Results (Microsoft and RFC 8601), ARC-A-R
//	auth_spf.go           Received-SPF, DKIM-Signature
//	antispam.go           X-Forefront-Antispam-Report, X-Microsoft-Antispam, X-MS-Exchange-Organization-*
//	mimetree.go           MIME tree read in place: boundaries, part headers, base64 and quoted-printable, limits
//	mime.go               MIME walk: part hashes, sniffed types, filenames, charsets, bodies (RFC 8621)
//	html.go               visible text of HTML and hidden content
//	links.go              link extraction from text, HTML and attachments
//	unwrap.go             Safe Links and redirector unwrapping
//	indicators.go         de-duplicated indicators
//	attachments.go        attachment analysis dispatch and risky-type flags
//	attachments_zip.go    zip and gzip archives (entries, encryption, nesting, bomb caps)
//	attachments_office.go OOXML and OLE documents (macros, external relationships)
//	attachments_pdf.go    raw PDF keyword scan
//	attachments_html.go   HTML attachments (scripts, forms, smuggling markers)
//	attachments_ics.go    calendar invites
//	attachments_image.go  QR codes in images
package message
