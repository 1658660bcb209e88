package message

import (
	"bytes"
	"fmt"
	"path"
	"strings"
)

// riskyExtensions maps file extensions to the kind they are flagged as.
var riskyExtensions = map[string]AttachmentKind{
	"lnk": KindShortcut, "url": KindShortcut, "scf": KindShortcut, "website": KindShortcut,
	"iso": KindDiskImage, "img": KindDiskImage, "vhd": KindDiskImage, "vhdx": KindDiskImage, "dmg": KindDiskImage, "udf": KindDiskImage,
	"mobileconfig": KindMobileConfig,
	"exe":          KindExecutable, "scr": KindExecutable, "com": KindExecutable, "pif": KindExecutable, "msi": KindExecutable,
	"dll": KindExecutable, "cpl": KindExecutable, "msix": KindExecutable, "appx": KindExecutable, "apk": KindExecutable,
	"jar": KindExecutable, "app": KindExecutable, "msc": KindExecutable, "reg": KindExecutable, "xll": KindExecutable,
	"js": KindScript, "jse": KindScript, "vbs": KindScript, "vbe": KindScript, "wsf": KindScript, "wsh": KindScript,
	"hta": KindScript, "ps1": KindScript, "bat": KindScript, "cmd": KindScript, "sh": KindScript, "chm": KindScript,
	"svg": KindHTML, "htm": KindHTML, "html": KindHTML, "shtml": KindHTML, "xhtml": KindHTML, "mht": KindHTML, "mhtml": KindHTML,
	"zip": KindArchive, "rar": KindArchive, "7z": KindArchive, "gz": KindArchive, "tgz": KindArchive, "tar": KindArchive,
	"cab": KindArchive, "ace": KindArchive, "arj": KindArchive, "xz": KindArchive, "bz2": KindArchive, "zipx": KindArchive,
	"pdf": KindPDF, "ics": KindCalendar, "ical": KindCalendar, "eml": KindMessage, "msg": KindOffice,
	"doc": KindOffice, "docx": KindOffice, "docm": KindOffice, "dot": KindOffice, "dotm": KindOffice, "dotx": KindOffice,
	"xls": KindOffice, "xlsx": KindOffice, "xlsm": KindOffice, "xlsb": KindOffice, "xlt": KindOffice, "xltm": KindOffice, "xlam": KindOffice,
	"ppt": KindOffice, "pptx": KindOffice, "pptm": KindOffice, "ppsm": KindOffice, "pps": KindOffice, "rtf": KindOffice, "one": KindOffice,
	"png": KindImage, "jpg": KindImage, "jpeg": KindImage, "gif": KindImage, "bmp": KindImage, "webp": KindImage, "tif": KindImage, "tiff": KindImage,
}

// executableKinds are kinds that run code when opened.
func executableKind(k AttachmentKind) bool {
	switch k {
	case KindExecutable, KindScript, KindShortcut:
		return true
	}
	return false
}

// classify picks the kind from the sniffed type first (what the bytes are),
// then the extension, then the declared type.
func classify(sniffed, ext, declared string) AttachmentKind {
	switch {
	case sniffed == "application/pdf":
		return KindPDF
	case strings.Contains(sniffed, "openxmlformats") || sniffed == "application/x-ole-storage" ||
		sniffed == "application/msword" || sniffed == "application/vnd.ms-excel" || sniffed == "application/vnd.ms-powerpoint" ||
		sniffed == "application/vnd.ms-outlook" || sniffed == "text/rtf":
		return KindOffice
	case sniffed == "application/zip" || sniffed == "application/x-rar-compressed" || sniffed == "application/vnd.rar" || sniffed == "application/x-7z-compressed" ||
		sniffed == "application/gzip" || sniffed == "application/x-tar" || sniffed == "application/vnd.ms-cab-compressed" ||
		sniffed == "application/x-xz" || sniffed == "application/x-bzip2":
		if k, ok := riskyExtensions[ext]; ok && (k == KindOffice || k == KindExecutable) {
			return k
		}
		return KindArchive
	case sniffed == "application/x-ms-shortcut":
		return KindShortcut
	case sniffed == "application/x-iso9660-image" || sniffed == "application/x-vhd" || sniffed == "application/x-apple-diskimage":
		return KindDiskImage
	case sniffed == "application/vnd.microsoft.portable-executable" || sniffed == "application/x-msdownload" ||
		sniffed == "application/x-executable" || sniffed == "application/x-elf" || sniffed == "application/x-mach-binary" ||
		sniffed == "application/x-ms-installer" || sniffed == "application/java-archive":
		return KindExecutable
	case sniffed == "text/html" || sniffed == "image/svg+xml":
		return KindHTML
	case sniffed == "text/calendar":
		return KindCalendar
	case sniffed == "message/rfc822":
		return KindMessage
	}
	if k, ok := riskyExtensions[ext]; ok {
		return k
	}
	switch {
	case strings.HasPrefix(declared, "image/") || strings.HasPrefix(sniffed, "image/"):
		return KindImage
	case declared == "text/calendar":
		return KindCalendar
	case strings.HasPrefix(declared, "message/"):
		return KindMessage
	case declared == "application/pdf":
		return KindPDF
	}
	return KindOther
}

// expectedSniff lists, for extensions often used to disguise content, the sniffed types that match.
var expectedSniff = map[string][]string{
	"pdf":  {"application/pdf"},
	"jpg":  {"image/jpeg"},
	"jpeg": {"image/jpeg"},
	"png":  {"image/png"},
	"gif":  {"image/gif"},
	"zip":  {"application/zip"},
	"docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"},
	"xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"},
	"pptx": {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/zip"},
	"doc":  {"application/msword", "application/x-ole-storage", "text/rtf"},
	"xls":  {"application/vnd.ms-excel", "application/x-ole-storage"},
	"txt":  {"text/plain"},
}

// analyzeAttachment looks into one attachment. A failure inside one reader
// (including a panic in a third-party parser) is recorded in Attachment.Error.
func (p *parser) analyzeAttachment(in attachmentInput, links *linkSet, dl *defectList) (a Attachment) {
	pt := in.part
	a = Attachment{
		Part: pt.ID, Filename: pt.Filename, ContentType: pt.ContentType, Sniffed: pt.Sniffed,
		Size: pt.Size, SHA256: pt.SHA256,
	}
	a.Extension = strings.TrimPrefix(strings.ToLower(path.Ext(strings.TrimSpace(pt.Filename))), ".")
	a.Kind = classify(pt.Sniffed, a.Extension, pt.ContentType)
	a.DoubleExtension = doubleExtension(pt.Filename)
	if exp, ok := expectedSniff[a.Extension]; ok && pt.Sniffed != "" && len(in.content) > 0 {
		match := false
		for _, e := range exp {
			if pt.Sniffed == e {
				match = true
			}
		}
		if !match && !(a.Extension == "txt" && strings.HasPrefix(pt.Sniffed, "text/")) {
			a.TypeMismatch = true
			dl.add(DefectTypeMismatch, pt.ID, "%q is named .%s but its content is %s", truncateUTF8(pt.Filename, 80), a.Extension, pt.Sniffed)
		}
	}
	if len(in.content) == 0 {
		return a
	}
	defer func() {
		if r := recover(); r != nil {
			a.Error = fmt.Sprintf("reader failed: %v", r)
			dl.add(DefectAttachmentUnreadable, pt.ID, "%s", a.Error)
		}
	}()
	var found []Link
	addLink := func(u, text string) {
		found = append(found, Link{Source: SourceAttachment, Part: pt.ID, URL: u, Text: text})
	}
	switch a.Kind {
	case KindArchive:
		switch {
		case pt.Sniffed == "application/zip":
			a.Archive, a.Error = p.readZip(in.content)
		case pt.Sniffed == "application/gzip":
			a.Archive, a.Error = p.readGzip(in.content)
		case bytes.HasPrefix(in.content, sevenZipMagic):
			a.Archive, a.Error = p.read7z(in.content)
		case bytes.HasPrefix(in.content, rarMagic4) || bytes.HasPrefix(in.content, rarMagic5):
			a.Archive, a.Error = p.readRar(in.content)
		}
	case KindOffice:
		a.Office, a.Error = readOffice(in.content, pt.Sniffed)
		if a.Office != nil {
			for _, u := range a.Office.ExternalRelationships {
				addLink(u, "")
			}
		}
	case KindPDF:
		a.PDF = scanPDF(in.content)
		for _, u := range a.PDF.URIs {
			addLink(u, "")
		}
	case KindHTML:
		var hl []Link
		a.HTML, hl = analyzeHTMLAttachment(in.content, pt.ID, links.max, dl)
		for _, l := range hl {
			addLink(l.URL, l.Text)
		}
	case KindImage:
		a.QRCodes = decodeQR(in.content)
		for _, t := range a.QRCodes {
			found = append(found, Link{Source: SourceQRCode, Part: pt.ID, URL: t})
		}
	case KindCalendar:
		a.Calendar = parseICS(in.content)
		for _, u := range a.Calendar.URLs {
			addLink(u, "")
		}
	}
	if a.Kind == KindOther && strings.HasPrefix(pt.Sniffed, "text/plain") {
		tmp := newLinkSet(links.max, dl)
		extractTextLinks(truncateUTF8(string(in.content), maxIndicatorText), pt.ID, SourceAttachment, tmp)
		found = append(found, tmp.list...)
	}
	if a.Error != "" {
		dl.add(DefectAttachmentUnreadable, pt.ID, "%s", a.Error)
	}
	for _, l := range found {
		links.add(l)
	}
	return a
}

// decoyExtensions are document-like extensions used to hide an executable one.
var decoyExtensions = map[string]bool{
	"pdf": true, "doc": true, "docx": true, "xls": true, "xlsx": true, "jpg": true, "jpeg": true, "png": true,
	"txt": true, "rtf": true, "ppt": true, "pptx": true, "zip": true, "htm": true, "html": true, "mp3": true, "mp4": true,
}

// doubleExtension reports names such as "invoice.pdf.exe" or "scan.pdf      .js".
func doubleExtension(name string) bool {
	name = strings.ToLower(strings.TrimSpace(name))
	last := strings.TrimPrefix(path.Ext(name), ".")
	if k, ok := riskyExtensions[last]; !ok || !executableKind(k) && k != KindHTML && k != KindDiskImage {
		return false
	}
	stem := strings.TrimSuffix(name, "."+last)
	prev := strings.TrimPrefix(path.Ext(strings.TrimSpace(stem)), ".")
	return decoyExtensions[prev] || strings.HasSuffix(stem, "   ")
}
