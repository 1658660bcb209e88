package message

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/nwaples/rardecode/v2"
)

var (
	rarMagic4 = []byte("Rar!\x1A\x07\x00")
	rarMagic5 = []byte("Rar!\x1A\x07\x01\x00")
)

// maxRarDict is the largest decoding window nwaples/rardecode may allocate
// while listing (RAR 5 writes 32 MB windows by default). An entry that asks
// for more stops the listing.
const maxRarDict = 64 << 20

// maxRarWindowClears bounds the bytes of decoding window that rardecode may
// allocate or clear while listing (about half a second): Next sets the
// decoder up for each compressed entry, clearing its window, even though
// nothing is decompressed.
const maxRarWindowClears = 4 << 30

// readRar lists a RAR (1.5 to 7) archive from its file headers with
// nwaples/rardecode: names, declared sizes, encrypted entries, and an
// archive whose headers are encrypted. Nothing is decompressed, so nested
// archives are not opened.
func (p *parser) readRar(b []byte) (ar *Archive, errText string) {
	ar = &Archive{Format: "rar", Entries: []ArchiveEntry{}}
	defer func() {
		// Keep what was listed when the library panics.
		if r := recover(); r != nil {
			errText = fmt.Sprintf("rar: reader failed: %v", r)
		}
	}()
	rr, err := rardecode.NewReader(bytes.NewReader(b), rardecode.MaxDictionarySize(maxRarDict))
	if err != nil {
		return ar, rarError(ar, err)
	}
	var window, cleared int64
	for {
		if len(ar.Entries) >= p.lim.MaxArchiveEntries || time.Now().After(p.deadline) {
			ar.Truncated = true
			return ar, ""
		}
		h, err := rr.Next()
		if err != nil {
			// After an error the reader cannot go on (its next call would panic).
			return ar, rarError(ar, err)
		}
		size := uint64(0)
		if h.UnPackedSize > 0 && !h.UnKnownSize {
			size = uint64(h.UnPackedSize)
		}
		name := toValidUTF8(h.Name)
		if h.IsDir && !strings.HasSuffix(name, "/") {
			name += "/" // as zip and 7z name directories
		}
		e := ArchiveEntry{Name: name, Size: size, Encrypted: h.Encrypted || h.HeaderEncrypted}
		if h.PackedSize > 0 {
			e.CompressedSize = uint64(h.PackedSize)
		}
		if e.Encrypted {
			ar.Encrypted = true
		}
		if !h.IsDir {
			e.Kind = classify("", strings.TrimPrefix(strings.ToLower(path.Ext(h.Name)), "."), "")
		}
		ar.Entries = append(ar.Entries, e)
		if !h.IsDir && !h.Encrypted {
			// Estimate what Next did for this entry: a solid entry's window
			// (not bounded by its size) only grows; a non-solid one's is
			// cleared, or allocated when larger than before.
			w := int64(maxRarDict)
			if !h.Solid && !h.UnKnownSize {
				w = min(max(h.UnPackedSize, 0), maxRarDict)
			}
			switch {
			case w > window:
				cleared += w
				window = w
			case !h.Solid:
				cleared += window
			}
			if cleared > maxRarWindowClears {
				ar.Truncated = true
				return ar, "rar: listing stopped: the decoder set-up for its entries is over budget"
			}
		}
	}
}

// rarError turns the error that ended a RAR listing into the attachment's
// error text; the end of the archive and encrypted headers are not errors.
func rarError(ar *Archive, err error) string {
	switch {
	case err == nil || errors.Is(err, io.EOF):
		return ""
	case errors.Is(err, rardecode.ErrArchiveEncrypted):
		ar.Encrypted = true
		return ""
	}
	return fmt.Sprintf("rar: %v", err)
}
