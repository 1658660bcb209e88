package message

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
)

// oleMagic starts every OLE compound file.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// maxOLEEntries bounds the directory entries read from one compound file.
const maxOLEEntries = 10000

// readOffice looks for macros and external relationships in an OOXML
// (zip) or OLE (compound file) document.
func readOffice(b []byte, sniffed string) (*OfficeInfo, string) {
	switch {
	case bytes.HasPrefix(b, []byte("PK")):
		return readOOXML(b)
	case bytes.HasPrefix(b, oleMagic):
		return readOLE(b)
	case bytes.HasPrefix(b, []byte("{\\rt")):
		info := &OfficeInfo{Format: "rtf"}
		if bytes.Contains(b, []byte("\\objdata")) || bytes.Contains(b, []byte("\\objupdate")) {
			info.MacroStreams = append(info.MacroStreams, "rtf:objdata")
		}
		return info, ""
	}
	return nil, ""
}

// readOOXML checks for vbaProject.bin and reads every .rels part for
// TargetMode="External" relationships (remote templates, OLE links, images).
func readOOXML(b []byte) (*OfficeInfo, string) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Sprintf("ooxml: %v", err)
	}
	info := &OfficeInfo{Format: "ooxml"}
	seen := map[string]bool{}
	relsBudget := uint64(16 << 20) // bytes of .rels XML read per document
	for i, f := range zr.File {
		if i > maxOLEEntries {
			break
		}
		lname := strings.ToLower(f.Name)
		switch {
		case strings.HasSuffix(lname, "vbaproject.bin") || strings.HasSuffix(lname, "vbadata.xml"):
			info.Macros = true
			info.MacroStreams = append(info.MacroStreams, toValidUTF8(f.Name))
		case strings.HasSuffix(lname, ".rels") && f.UncompressedSize64 < 4<<20 && f.UncompressedSize64 <= relsBudget:
			relsBudget -= f.UncompressedSize64
			rc, err := f.Open()
			if err != nil {
				continue
			}
			for _, t := range externalTargets(io.LimitReader(rc, 4<<20)) {
				if !seen[t] && len(info.ExternalRelationships) < 200 {
					seen[t] = true
					info.ExternalRelationships = append(info.ExternalRelationships, t)
				}
			}
			_ = rc.Close()
		}
	}
	return info, ""
}

// externalTargets returns the Target of each Relationship with TargetMode="External".
func externalTargets(r io.Reader) []string {
	var out []string
	d := xml.NewDecoder(r)
	d.Strict = false
	for n := 0; n < 100000; n++ {
		tok, err := d.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		var target, mode string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Target":
				target = a.Value
			case "TargetMode":
				mode = a.Value
			}
		}
		if strings.EqualFold(mode, "External") && target != "" {
			out = append(out, toValidUTF8(strings.TrimSpace(target)))
		}
	}
	return out
}

// readOLE walks the storages of a compound file for VBA storages and streams
// (VBA, _VBA_PROJECT, Macros, _VBA_PROJECT_CUR) and for an encrypted package.
func readOLE(b []byte) (*OfficeInfo, string) {
	if msg := checkCFBHeader(b); msg != "" {
		return nil, "ole: " + msg
	}
	r, err := mscfb.New(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Sprintf("ole: %v", err)
	}
	info := &OfficeInfo{Format: "ole"}
	for i := 0; i < maxOLEEntries; i++ {
		f, err := r.Next()
		if err != nil {
			break
		}
		name := f.Name
		switch strings.ToUpper(name) {
		case "VBA", "_VBA_PROJECT", "_VBA_PROJECT_CUR", "MACROS":
			info.Macros = true
			full := strings.Join(append(append([]string{}, f.Path...), name), "/")
			if len(info.MacroStreams) < 50 {
				info.MacroStreams = append(info.MacroStreams, toValidUTF8(full))
			}
		case "ENCRYPTEDPACKAGE", "ENCRYPTIONINFO":
			info.Encrypted = true
		}
	}
	return info, ""
}

// checkCFBHeader rejects compound-file headers whose sector counts exceed
// what the file can hold. mscfb allocates tables sized by these counts before
// reading them, so a 2 KB file declaring billions of sectors would exhaust
// memory (found by FuzzOffice).
func checkCFBHeader(b []byte) string {
	if len(b) < 512 {
		return "file shorter than its header"
	}
	shift := binary.LittleEndian.Uint16(b[30:])
	if shift != 9 && shift != 12 {
		return fmt.Sprintf("illegal sector shift %d", shift)
	}
	sectors := uint64(len(b))>>shift + 1
	for _, f := range []struct {
		name string
		off  int
	}{{"directory", 40}, {"FAT", 44}, {"mini FAT", 64}, {"DIFAT", 72}} {
		if n := uint64(binary.LittleEndian.Uint32(b[f.off:])); n > sectors {
			return fmt.Sprintf("%s sector count %d exceeds the %d sectors of the file", f.name, n, sectors)
		}
	}
	return ""
}
