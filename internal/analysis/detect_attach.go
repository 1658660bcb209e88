package analysis

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/qtriage/qtriage/internal/message"
)

// attachmentDetector looks at what the attachments are and what they carry.
type attachmentDetector struct{}

func (attachmentDetector) Name() string    { return "attachments" }
func (attachmentDetector) Version() string { return "2" }

// passwordInBody matches a password given next to an attachment ("password: 1234", "senha: abc").
// The password may be named for what it opens ("senha de acesso: 1234",
// "Senha do PDF 123", "password for the file: ab12"); without a colon the
// value must then hold a digit.
var passwordInBody = regexp.MustCompile(`(?i)(?:password|passcode|passwort|kennwort|senha|contraseña|mot de passe|pwd|pw|pass)\s*(?:is|:|=|-)\s*["'“]?([^\s"'”]{3,24})` +
	`|\b(?:password|passwort|senha|contraseña|mot de passe)\s+(?:de\s+acesso|de\s+abertura|do\s+(?:pdf|arquivo|documento|anexo)|da\s+planilha|pdf|zip|(?:for|of|to\s+open)\s+(?:the\s+)?(?:file|document|attachment|pdf|archive|zip)|del\s+(?:archivo|documento|pdf)|du\s+(?:fichier|document|pdf)|f(?:ü|u)r\s+(?:die|das|den)\s+(?:datei|dokument|anhang|pdf))\s*(?:is|:|=|-|é|es|est|ist)?\s*["'“]?([^\s"'”]*\d[^\s"'”]*)`)

// dangerousExtensions run code or mount file systems when opened on Windows or macOS.
var dangerousExtensions = setOf("exe", "scr", "com", "pif", "msi", "dll", "cpl", "msix", "appx", "jar", "msc", "reg", "xll", "js", "jse",
	"vbs", "vbe", "wsf", "wsh", "hta", "ps1", "bat", "cmd", "chm", "lnk", "url", "scf", "iso", "img", "vhd", "vhdx", "one", "onepkg",
	"mobileconfig", "apk", "application", "appref-ms", "settingcontent-ms", "library-ms", "search-ms", "cab", "msp", "gadget", "inf", "sct", "wsc", "svg")

// Run reports attachment findings.
func (attachmentDetector) Run(ctx context.Context, in *Input) ([]Finding, error) {
	var s findingSet
	m := in.Msg
	protected := false
	for _, a := range m.Attachments {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		name := a.Filename
		if name == "" {
			name = "part " + a.Part
		}
		loc := "attachment:" + truncate(name, 100)
		val := fmt.Sprintf("%s (%s, %d bytes, sha256 %s)", truncate(name, 100), firstNonEmpty(a.Sniffed, a.ContentType), a.Size, a.SHA256)
		ev := func(note string) Evidence { return Evidence{Location: loc, Value: val, Note: note} }
		switch a.Kind {
		case message.KindExecutable, message.KindScript:
			s.add("attach.executable", "An attachment is a program or script that runs when opened", ev(kindNote(a)))
		case message.KindShortcut:
			s.add("attach.shortcut", "An attachment is a Windows shortcut (.lnk/.url), a common malware launcher", ev(kindNote(a)))
		case message.KindDiskImage:
			s.add("attach.disk_image", "An attachment is a disk image, used to slip malware past Mark-of-the-Web", ev(kindNote(a)))
		case message.KindMobileConfig:
			s.add("attach.mobileconfig", "An attachment is an Apple configuration profile that can take over a device", ev(kindNote(a)))
		case message.KindHTML:
			h := a.HTML
			switch {
			case h != nil && (len(h.SmugglingMarkers) > 0 || h.LargestBase64 > 20000):
				s.add("attach.html_smuggling", "An HTML attachment assembles a file in the browser (HTML smuggling)",
					ev(fmt.Sprintf("markers %s, largest base64 run %d characters", strings.Join(h.SmugglingMarkers, ", "), h.LargestBase64)))
			case h != nil && (h.PasswordInputs > 0 || h.Forms > 0):
				s.add("attach.html_form", "An HTML attachment is a local login form", ev(fmt.Sprintf("%d forms, %d password fields, title %q", h.Forms, h.PasswordInputs, h.Title)))
			case h != nil && (h.Scripts > 0 || h.MetaRefresh):
				s.add("attach.html_script", "An HTML attachment runs script or redirects the browser", ev(fmt.Sprintf("%d scripts, meta refresh %v", h.Scripts, h.MetaRefresh)))
			default:
				s.add("attach.html", "An HTML or SVG file is attached", ev(kindNote(a)))
			}
		case message.KindCalendar:
			if c := a.Calendar; c != nil && len(c.URLs) > 0 {
				s.add("attach.calendar_links", "A calendar invitation carries links", ev(fmt.Sprintf("organizer %s, links %s", c.Organizer, truncate(strings.Join(c.URLs, " "), 200))))
			}
		case message.KindOffice:
			if o := a.Office; o != nil {
				if o.Macros {
					s.add("attach.macros", "An Office document contains macros", ev("macro streams: "+strings.Join(o.MacroStreams, ", ")))
				}
				if len(o.ExternalRelationships) > 0 {
					s.add("attach.remote_template", "An Office document loads content from the internet (remote template or object)",
						ev("external targets: "+truncate(strings.Join(o.ExternalRelationships, " "), 200)))
				}
				if o.Encrypted {
					protected = true
					s.add("attach.encrypted", "A password-protected document, which scanners cannot open", ev("encrypted Office document"))
				}
			}
			if a.Extension == "one" || a.Extension == "onepkg" {
				s.add("attach.onenote", "A OneNote notebook is attached, a common malware carrier", ev(kindNote(a)))
			}
		case message.KindPDF:
			if p := a.PDF; p != nil {
				if p.JavaScript > 0 || p.Launch > 0 || p.EmbeddedFile > 0 {
					s.add("attach.pdf_active", "A PDF contains JavaScript, launch actions or embedded files",
						ev(fmt.Sprintf("JavaScript %d, Launch %d, EmbeddedFile %d, OpenAction %d", p.JavaScript, p.Launch, p.EmbeddedFile, p.OpenAction)))
				}
				if p.URICount > 0 && p.Pages > 0 && p.Pages <= 2 {
					s.add("attach.pdf_links", "A short PDF whose purpose is a link", ev(fmt.Sprintf("%d pages, %d links: %s", p.Pages, p.URICount, truncate(strings.Join(p.URIs, " "), 160))))
				}
				if p.Encrypted {
					protected = true
				}
			}
		}
		if a.DoubleExtension {
			s.add("attach.double_extension", "An attachment hides its real type behind a double extension", ev("file name "+name))
		}
		if a.TypeMismatch && !a.DoubleExtension {
			s.add("attach.type_mismatch", "An attachment's content does not match its name or declared type",
				ev(fmt.Sprintf("named .%s, declared %s, content is %s", a.Extension, a.ContentType, a.Sniffed)))
		}
		if ar := a.Archive; ar != nil {
			if ar.Encrypted {
				protected = true
				s.add("attach.encrypted_archive", "A password-protected archive, which scanners cannot open", ev(fmt.Sprintf("%s archive with %d entries", ar.Format, len(ar.Entries))))
			}
			if bad := dangerousEntries(ar, 0); len(bad) > 0 {
				s.add("attach.archive_dangerous", "An archive contains programs, scripts or shortcuts", ev("contains "+truncate(strings.Join(bad, ", "), 200)))
			}
		}
	}
	if protected || len(m.Attachments) > 0 && strings.Contains(strings.ToLower(m.VisibleText), "anexo") || hasDocument(m) {
		if mt := passwordInBody.FindStringSubmatch(truncate(in.Msg.VisibleText, 20000)); mt != nil {
			s.add("attach.password_in_body", "The password for the protected attachment is given in the message",
				Evidence{Location: "body", Value: truncate(mt[0], 80), Note: "a password in the body defeats scanning of the protected file"})
		}
	}
	return s.list(), nil
}

// hasDocument reports an attachment that is a document or archive (not an image).
func hasDocument(m *message.Message) bool {
	for _, a := range m.Attachments {
		switch a.Kind {
		case message.KindPDF, message.KindOffice, message.KindArchive, message.KindHTML:
			return true
		}
	}
	return false
}

// kindNote describes what an attachment was classified as.
func kindNote(a message.Attachment) string {
	return fmt.Sprintf("kind %s, extension .%s, content %s", a.Kind, a.Extension, firstNonEmpty(a.Sniffed, a.ContentType))
}

// dangerousEntries lists archive entries that are programs, scripts, shortcuts or disk images.
func dangerousEntries(ar *message.Archive, depth int) []string {
	var out []string
	if depth > 3 {
		return nil
	}
	for _, e := range ar.Entries {
		ext := strings.TrimPrefix(strings.ToLower(path.Ext(e.Name)), ".")
		switch {
		case e.Kind == message.KindExecutable || e.Kind == message.KindScript || e.Kind == message.KindShortcut || e.Kind == message.KindDiskImage,
			dangerousExtensions[ext] && ext != "svg":
			out = append(out, e.Name)
		}
		if e.Nested != nil {
			out = append(out, dangerousEntries(e.Nested, depth+1)...)
		}
		if len(out) >= 10 {
			break
		}
	}
	return out
}
