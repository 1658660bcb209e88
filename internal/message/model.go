package message

import "time"

// Message is the model of one email. Its JSON form is documented in
// docs/message-model.md and printed by `qtriage parse --json`.
type Message struct {
	// Size is the length in bytes of the input (before any truncation).
	Size int `json:"size"`
	// SHA256 is the hex SHA-256 of the input.
	SHA256 string `json:"sha256"`

	// Headers are the top-level header fields in their original order, duplicates kept.
	Headers []Header `json:"headers"`

	From            *Address  `json:"from,omitempty"`
	Sender          *Address  `json:"sender,omitempty"`
	ReplyTo         []Address `json:"reply_to,omitempty"`
	ReturnPath      string    `json:"return_path,omitempty"`
	To              []Address `json:"to,omitempty"`
	Cc              []Address `json:"cc,omitempty"`
	Subject         string    `json:"subject"`
	Date            time.Time `json:"date,omitzero"`
	MessageID       string    `json:"message_id,omitempty"`
	InReplyTo       string    `json:"in_reply_to,omitempty"`
	References      []string  `json:"references,omitempty"`
	ListUnsubscribe []string  `json:"list_unsubscribe,omitempty"`
	// UserAgent is User-Agent, or X-Mailer when User-Agent is absent.
	UserAgent string `json:"user_agent,omitempty"`

	// Received is the Received chain, topmost (most recent) first, as in the message.
	Received []Hop `json:"received,omitempty"`
	// Auth holds the authentication and anti-spam headers, parsed.
	Auth Authentication `json:"auth"`

	// Parts is the MIME tree flattened in depth-first order; Parent links it.
	Parts []Part `json:"parts"`

	// Text is the plain-text body, UTF-8 (the text/plain parts that are not attachments, joined).
	Text string `json:"text"`
	// HTML is the HTML body, UTF-8.
	HTML string `json:"html,omitempty"`
	// VisibleText is what a reader sees of HTML (or Text when there is no HTML).
	VisibleText string `json:"visible_text"`
	// Hidden lists content a reader does not see but filters and models may read.
	Hidden []Hidden `json:"hidden,omitempty"`

	// Links are every URL found, with where it was found.
	Links []Link `json:"links,omitempty"`
	// Attachments are the parts that are not bodies, looked into.
	Attachments []Attachment `json:"attachments,omitempty"`
	// Indicators are de-duplicated observables gathered from the whole model.
	Indicators Indicators `json:"indicators"`

	// Defects are the problems found while reading, in the order found.
	Defects []Defect `json:"defects"`
}

// Header is one header field as it appeared.
type Header struct {
	// Name is the field name as written (case kept).
	Name string `json:"name"`
	// Raw is the field body as written, folding kept, without the trailing CRLF.
	Raw string `json:"raw"`
	// Value is the unfolded body with RFC 2047 encoded words decoded to UTF-8.
	Value string `json:"value"`
}

// Address is one mailbox.
type Address struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// Hop is one Received header, parsed.
type Hop struct {
	// Index is the position in the chain, 0 for the topmost header.
	Index    int       `json:"index"`
	From     string    `json:"from,omitempty"`
	FromRDNS string    `json:"from_rdns,omitempty"`
	By       string    `json:"by,omitempty"`
	With     string    `json:"with,omitempty"`
	ID       string    `json:"id,omitempty"`
	For      string    `json:"for,omitempty"`
	IPs      []string  `json:"ips,omitempty"`
	Time     time.Time `json:"time,omitzero"`
	Raw      string    `json:"raw"`
}

// Part is one MIME part.
type Part struct {
	// ID is the dotted position ("0" root, "1", "1.2", ...; a nested multipart is "1.0"), as enmime numbers parts.
	ID     string `json:"id"`
	Parent string `json:"parent,omitempty"`
	Depth  int    `json:"depth"`
	// ContentType is the declared media type, lowercased, without parameters.
	ContentType string            `json:"content_type"`
	Params      map[string]string `json:"params,omitempty"`
	Disposition string            `json:"disposition,omitempty"`
	// Filename comes from Content-Disposition filename or Content-Type name (RFC 2231/2047 decoded).
	Filename         string `json:"filename,omitempty"`
	Charset          string `json:"charset,omitempty"`
	TransferEncoding string `json:"transfer_encoding,omitempty"`
	ContentID        string `json:"content_id,omitempty"`
	// Size is the decoded size in bytes (0 for multiparts).
	Size int `json:"size"`
	// Sniffed is the media type detected from the content.
	Sniffed string `json:"sniffed,omitempty"`
	MD5     string `json:"md5,omitempty"`
	SHA1    string `json:"sha1,omitempty"`
	SHA256  string `json:"sha256,omitempty"`
	// Message is the parsed model of a message/rfc822 part.
	Message *Message `json:"message,omitempty"`
}

// HiddenKind says how content was hidden.
type HiddenKind string

// Hidden content kinds.
const (
	HiddenDisplayNone     HiddenKind = "display_none"
	HiddenVisibility      HiddenKind = "visibility_hidden"
	HiddenTinyFont        HiddenKind = "tiny_font"
	HiddenSameColor       HiddenKind = "same_color_as_background"
	HiddenZeroSize        HiddenKind = "zero_size"
	HiddenOpacity         HiddenKind = "zero_opacity"
	HiddenZeroWidthChars  HiddenKind = "zero_width_characters"
	HiddenBidiControl     HiddenKind = "bidi_control_characters"
	HiddenWhitespaceRun   HiddenKind = "whitespace_padding"
	HiddenHTMLComment     HiddenKind = "html_comment"
	HiddenAttributeHidden HiddenKind = "hidden_attribute"
)

// Hidden is one piece of hidden content.
type Hidden struct {
	Kind HiddenKind `json:"kind"`
	// Text is (a prefix of) the hidden text, or a description for character runs.
	Text string `json:"text,omitempty"`
	// Count is the number of characters hidden this way.
	Count int `json:"count"`
}

// LinkSource says where a link was found.
type LinkSource string

// Link sources.
const (
	SourceText        LinkSource = "text"
	SourceHref        LinkSource = "href"
	SourceSrc         LinkSource = "src"
	SourceFormAction  LinkSource = "form_action"
	SourceFormaction  LinkSource = "formaction"
	SourceSrcset      LinkSource = "srcset"
	SourceMetaRefresh LinkSource = "meta_refresh"
	SourceCSS         LinkSource = "css_url"
	SourceAttachment  LinkSource = "attachment"
	SourceQRCode      LinkSource = "qr_code"
	SourceHeader      LinkSource = "header"
)

// Link is one URL found in the message.
type Link struct {
	Source LinkSource `json:"source"`
	// Part is the id of the part it came from.
	Part string `json:"part,omitempty"`
	// Text is the display text of an <a> element, when it has one.
	Text string `json:"text,omitempty"`
	// URL is the URL as found (entity-decoded, trimmed).
	URL string `json:"url"`
	// Unwrapped is the final target after unwrapping Safe Links and redirectors; equal to URL when not wrapped.
	Unwrapped string `json:"unwrapped"`
	// Wrappers names each rewriter peeled off, outermost first.
	Wrappers []string `json:"wrappers,omitempty"`
	Scheme   string   `json:"scheme,omitempty"`
	// Host is the host of the unwrapped URL, lowercased, in its ASCII (punycode) form.
	Host string `json:"host,omitempty"`
	// HostUnicode is Host with punycode decoded, when it differs.
	HostUnicode string `json:"host_unicode,omitempty"`
	// Domain is the registrable domain (eTLD+1) of Host.
	Domain string `json:"domain,omitempty"`
	IsIP   bool   `json:"is_ip,omitempty"`
}

// Authentication gathers the authentication and anti-spam headers.
type Authentication struct {
	// Results are all Authentication-Results headers, topmost first.
	Results []AuthResults `json:"results,omitempty"`
	// ARC are the ARC-Authentication-Results headers.
	ARC         []AuthResults   `json:"arc,omitempty"`
	ReceivedSPF []ReceivedSPF   `json:"received_spf,omitempty"`
	DKIM        []DKIMSignature `json:"dkim_signatures,omitempty"`
	// Forefront is X-Forefront-Antispam-Report as ordered key/value pairs.
	Forefront []KeyValue `json:"forefront,omitempty"`
	// ForefrontUntrusted is X-Forefront-Antispam-Report-Untrusted: the sending
	// tenant's own filtering of an outbound message, not the recipient's verdict.
	ForefrontUntrusted []KeyValue `json:"forefront_untrusted,omitempty"`
	// MailboxDelivery is X-Microsoft-Antispam-Mailbox-Delivery (ucf, jmr, dest, auth, ...).
	MailboxDelivery []KeyValue `json:"mailbox_delivery,omitempty"`
	// BCL is the bulk complaint level from X-Microsoft-Antispam (-1 when absent).
	BCL int `json:"bcl"`
	// SCL is X-MS-Exchange-Organization-SCL (-2 when absent; -1 means trusted).
	SCL int `json:"scl"`
	// AuthAs is X-MS-Exchange-Organization-AuthAs (Anonymous, Internal, Partner).
	AuthAs string `json:"auth_as,omitempty"`
	// Microsoft holds the key results of the topmost Microsoft Authentication-Results, flattened.
	Microsoft *MicrosoftAuth `json:"microsoft,omitempty"`
}

// MicrosoftAuth is the summary of Microsoft's Authentication-Results.
type MicrosoftAuth struct {
	SPF            string `json:"spf,omitempty"`
	DKIM           string `json:"dkim,omitempty"`
	DMARC          string `json:"dmarc,omitempty"`
	DMARCAction    string `json:"dmarc_action,omitempty"`
	CompAuth       string `json:"compauth,omitempty"`
	CompAuthReason string `json:"compauth_reason,omitempty"`
	MailFrom       string `json:"mailfrom,omitempty"`
	HeaderFrom     string `json:"header_from,omitempty"`
	HeaderD        string `json:"header_d,omitempty"`
}

// AuthResults is one Authentication-Results (or ARC-Authentication-Results) header.
type AuthResults struct {
	// Instance is the ARC instance (i=), 0 otherwise.
	Instance int `json:"instance,omitempty"`
	// AuthServID is the authserv-id; empty in Microsoft's form.
	AuthServID string       `json:"authserv_id,omitempty"`
	Methods    []AuthMethod `json:"methods"`
	Raw        string       `json:"raw"`
}

// AuthMethod is one method result (spf=pass ...).
type AuthMethod struct {
	Method string `json:"method"`
	Result string `json:"result"`
	// Reason is the reason= property or the parenthesised comment.
	Reason string `json:"reason,omitempty"`
	// Props are the remaining properties (smtp.mailfrom, header.from, action, ...), in order.
	Props []KeyValue `json:"props,omitempty"`
}

// Prop returns the value of the named property, or "".
func (m AuthMethod) Prop(key string) string {
	for _, kv := range m.Props {
		if kv.Key == key {
			return kv.Value
		}
	}
	return ""
}

// KeyValue is one ordered key/value pair.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ReceivedSPF is one Received-SPF header.
type ReceivedSPF struct {
	Result   string     `json:"result"`
	Comment  string     `json:"comment,omitempty"`
	Props    []KeyValue `json:"props,omitempty"`
	ClientIP string     `json:"client_ip,omitempty"`
	Helo     string     `json:"helo,omitempty"`
}

// DKIMSignature is the identity part of one DKIM-Signature header.
type DKIMSignature struct {
	Domain    string `json:"domain"`
	Selector  string `json:"selector"`
	Algorithm string `json:"algorithm,omitempty"`
	// Headers are the signed header names (h=).
	Headers []string `json:"headers,omitempty"`
}

// AttachmentKind flags file types that deserve attention by what they are.
type AttachmentKind string

// Attachment kinds.
const (
	KindArchive      AttachmentKind = "archive"
	KindOffice       AttachmentKind = "office"
	KindPDF          AttachmentKind = "pdf"
	KindHTML         AttachmentKind = "html"
	KindImage        AttachmentKind = "image"
	KindCalendar     AttachmentKind = "calendar"
	KindShortcut     AttachmentKind = "shortcut"
	KindDiskImage    AttachmentKind = "disk_image"
	KindMobileConfig AttachmentKind = "mobileconfig"
	KindExecutable   AttachmentKind = "executable"
	KindScript       AttachmentKind = "script"
	KindMessage      AttachmentKind = "message"
	KindOther        AttachmentKind = "other"
)

// Attachment is a non-body part, looked into.
type Attachment struct {
	Part        string         `json:"part"`
	Filename    string         `json:"filename,omitempty"`
	ContentType string         `json:"content_type"`
	Sniffed     string         `json:"sniffed,omitempty"`
	Size        int            `json:"size"`
	SHA256      string         `json:"sha256"`
	Kind        AttachmentKind `json:"kind"`
	// Extension is the last extension of Filename, lowercased, without the dot.
	Extension string `json:"extension,omitempty"`
	// DoubleExtension is set when the name hides an executable behind a document extension (invoice.pdf.exe).
	DoubleExtension bool `json:"double_extension,omitempty"`
	// TypeMismatch is set when the declared type or the extension disagrees with the sniffed type.
	TypeMismatch bool            `json:"type_mismatch,omitempty"`
	Archive      *Archive        `json:"archive,omitempty"`
	Office       *OfficeInfo     `json:"office,omitempty"`
	PDF          *PDFInfo        `json:"pdf,omitempty"`
	HTML         *HTMLAttachment `json:"html,omitempty"`
	Calendar     *CalendarInfo   `json:"calendar,omitempty"`
	// QRCodes are the texts of QR codes found in an image attachment.
	QRCodes []string `json:"qr_codes,omitempty"`
	// Error says why the attachment could not be looked into fully.
	Error string `json:"error,omitempty"`
}

// Archive is the listing of an archive attachment.
type Archive struct {
	Format    string         `json:"format"`
	Entries   []ArchiveEntry `json:"entries"`
	Encrypted bool           `json:"encrypted,omitempty"`
	// Truncated is set when a cap stopped the listing.
	Truncated bool `json:"truncated,omitempty"`
}

// ArchiveEntry is one file inside an archive.
type ArchiveEntry struct {
	Name           string         `json:"name"`
	Size           uint64         `json:"size"`
	CompressedSize uint64         `json:"compressed_size"`
	Encrypted      bool           `json:"encrypted,omitempty"`
	Sniffed        string         `json:"sniffed,omitempty"`
	SHA256         string         `json:"sha256,omitempty"`
	Kind           AttachmentKind `json:"kind,omitempty"`
	Nested         *Archive       `json:"nested,omitempty"`
}

// OfficeInfo is what was found in an Office document.
type OfficeInfo struct {
	Format string `json:"format"` // ooxml or ole
	Macros bool   `json:"macros"`
	// MacroStreams names the storages/parts that carry macros.
	MacroStreams []string `json:"macro_streams,omitempty"`
	// ExternalRelationships are TargetMode="External" targets (template injection, remote objects).
	ExternalRelationships []string `json:"external_relationships,omitempty"`
	Encrypted             bool     `json:"encrypted,omitempty"`
}

// PDFInfo is a raw keyword scan of a PDF.
type PDFInfo struct {
	URIs         []string `json:"uris,omitempty"`
	URICount     int      `json:"uri_count"`
	JavaScript   int      `json:"javascript"`
	OpenAction   int      `json:"open_action"`
	Launch       int      `json:"launch"`
	EmbeddedFile int      `json:"embedded_file"`
	AA           int      `json:"additional_actions"`
	AcroForm     int      `json:"acroform"`
	Encrypted    bool     `json:"encrypted,omitempty"`
	Pages        int      `json:"pages"`
}

// HTMLAttachment is what was found in an HTML attachment.
type HTMLAttachment struct {
	Scripts        int `json:"scripts"`
	Forms          int `json:"forms"`
	PasswordInputs int `json:"password_inputs"`
	// SmugglingMarkers are the smuggling primitives seen (atob, Blob, msSaveOrOpenBlob, ...).
	SmugglingMarkers []string `json:"smuggling_markers,omitempty"`
	// LargestBase64 is the length of the longest base64-looking run.
	LargestBase64 int    `json:"largest_base64"`
	MetaRefresh   bool   `json:"meta_refresh,omitempty"`
	Title         string `json:"title,omitempty"`
}

// CalendarInfo is what was found in an iCalendar attachment.
type CalendarInfo struct {
	Method      string   `json:"method,omitempty"`
	Organizer   string   `json:"organizer,omitempty"`
	Summary     string   `json:"summary,omitempty"`
	Description string   `json:"description,omitempty"`
	Location    string   `json:"location,omitempty"`
	URLs        []string `json:"urls,omitempty"`
}

// Indicators are de-duplicated observables.
type Indicators struct {
	URLs    []string `json:"urls,omitempty"`
	Domains []string `json:"domains,omitempty"`
	IPs     []string `json:"ips,omitempty"`
	Emails  []string `json:"emails,omitempty"`
	// Phones are E.164 (+CC...) where the country code is written, digits otherwise.
	Phones []string        `json:"phones,omitempty"`
	Crypto []CryptoAddress `json:"crypto,omitempty"`
	// Hashes are the SHA-256 of attachments and archive entries.
	Hashes []string `json:"hashes,omitempty"`
}

// CryptoAddress is a cryptocurrency wallet address.
type CryptoAddress struct {
	Currency string `json:"currency"`
	Address  string `json:"address"`
}
