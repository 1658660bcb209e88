package message

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// maxZipRatio is the compression ratio above which an entry is not expanded (zip bomb).
const maxZipRatio = 200

// zipBudget is shared by an archive and the archives nested in it.
type zipBudget struct {
	entries int
	bytes   int64
}

// readZip lists a zip archive and the zip archives nested in it, up to
// Limits.MaxArchiveDepth, hashing and sniffing entries while the entry-count
// and expanded-size budgets last. It never expands an entry whose declared
// compression ratio exceeds maxZipRatio, and never reads past the budget
// whatever the headers declare.
func (p *parser) readZip(b []byte) (*Archive, string) {
	budget := &zipBudget{entries: p.lim.MaxArchiveEntries, bytes: p.lim.MaxArchiveExpandedBytes}
	return p.readZipAt(b, 1, budget)
}

func (p *parser) readZipAt(b []byte, depth int, budget *zipBudget) (*Archive, string) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Sprintf("zip: %v", err)
	}
	ar := &Archive{Format: "zip", Entries: []ArchiveEntry{}}
	for _, f := range zr.File {
		if budget.entries <= 0 {
			ar.Truncated = true
			break
		}
		budget.entries--
		e := ArchiveEntry{
			Name:           toValidUTF8(f.Name),
			Size:           f.UncompressedSize64,
			CompressedSize: f.CompressedSize64,
			Encrypted:      f.Flags&0x1 != 0,
		}
		ext := strings.TrimPrefix(strings.ToLower(path.Ext(f.Name)), ".")
		if e.Encrypted {
			ar.Encrypted = true
		}
		if f.FileInfo().IsDir() || e.Encrypted {
			e.Kind = classify("", ext, "")
			ar.Entries = append(ar.Entries, e)
			continue
		}
		if e.CompressedSize > 0 && e.Size/e.CompressedSize > maxZipRatio || e.CompressedSize == 0 && e.Size > 1<<20 {
			ar.Truncated = true
			e.Kind = classify("", ext, "")
			ar.Entries = append(ar.Entries, e)
			continue
		}
		if budget.bytes > 0 {
			data, err := readZipEntry(f, budget.bytes)
			budget.bytes -= int64(len(data))
			if err == nil {
				sum := sha256.Sum256(data)
				e.SHA256 = hex.EncodeToString(sum[:])
				e.Sniffed = baseType(mimetype.Detect(data).String())
				if int64(len(data)) != int64(e.Size) {
					e.Size = uint64(len(data))
				}
				nested := e.Sniffed == "application/zip" || bytes.HasPrefix(data, sevenZipMagic) ||
					bytes.HasPrefix(data, rarMagic4) || bytes.HasPrefix(data, rarMagic5)
				switch {
				case nested && depth >= p.lim.MaxArchiveDepth:
					ar.Truncated = true
				case e.Sniffed == "application/zip":
					e.Nested, _ = p.readZipAt(data, depth+1, budget)
				case bytes.HasPrefix(data, sevenZipMagic):
					// Already decompressed by the zip reader: listing it is
					// cheap (the 7z and RAR readers decompress nothing).
					e.Nested, _ = p.read7z(data)
				case nested:
					e.Nested, _ = p.readRar(data)
				}
			} else {
				ar.Truncated = true
			}
		} else {
			ar.Truncated = true
		}
		e.Kind = classify(e.Sniffed, ext, "")
		ar.Entries = append(ar.Entries, e)
	}
	return ar, ""
}

// readZipEntry reads at most limit bytes of an entry; more is an error.
func readZipEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return data, err
	}
	if int64(len(data)) > limit {
		return data[:limit], fmt.Errorf("message: zip entry larger than the remaining budget")
	}
	return data, nil
}

// readGzip lists the single member of a gzip file (its stored name, its
// size within the expanded-bytes budget, its hash and sniffed type) and opens
// it when it is a zip.
func (p *parser) readGzip(b []byte) (*Archive, string) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Sprintf("gzip: %v", err)
	}
	zr.Multistream(false)
	// gzip declares no size up front: bound the expansion by the budget and
	// by the bomb ratio.
	limit := min(p.lim.MaxArchiveExpandedBytes, int64(len(b))*maxZipRatio)
	data, err := io.ReadAll(io.LimitReader(zr, limit+1))
	ar := &Archive{Format: "gzip"}
	e := ArchiveEntry{Name: toValidUTF8(zr.Name), Size: uint64(len(data)), CompressedSize: uint64(len(b))}
	if int64(len(data)) > limit {
		ar.Truncated = true
		data = data[:limit]
		e.Size = uint64(limit)
	}
	if err != nil {
		ar.Truncated = true
	}
	sum := sha256.Sum256(data)
	e.SHA256 = hex.EncodeToString(sum[:])
	e.Sniffed = baseType(mimetype.Detect(data).String())
	e.Kind = classify(e.Sniffed, strings.TrimPrefix(strings.ToLower(path.Ext(zr.Name)), "."), "")
	if e.Sniffed == "application/zip" && p.lim.MaxArchiveDepth > 1 {
		budget := &zipBudget{entries: p.lim.MaxArchiveEntries, bytes: p.lim.MaxArchiveExpandedBytes - int64(len(data))}
		e.Nested, _ = p.readZipAt(data, 2, budget)
	}
	ar.Entries = []ArchiveEntry{e}
	return ar, ""
}

// baseType drops parameters from a media type.
func baseType(t string) string {
	if i := strings.IndexByte(t, ';'); i >= 0 {
		return t[:i]
	}
	return t
}
