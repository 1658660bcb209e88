package message

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bodgit/sevenzip"
	"github.com/ulikunitz/xz/lzma"
)

// sevenZipMagic starts every 7z archive.
var sevenZipMagic = []byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}

// max7zHeaderBytes bounds the decoded size of a compressed 7z header. A header
// of max_archive_entries files takes well under a megabyte.
const max7zHeaderBytes = 16 << 20

// max7zCoders bounds the coders, and their streams, of one 7z folder (7-Zip
// itself accepts at most 64).
const max7zCoders = 64

// 7z property ids (7-Zip's 7zFormat.txt).
const (
	id7zEnd               = 0x00
	id7zHeader            = 0x01
	id7zArchiveProperties = 0x02
	id7zAdditionalStreams = 0x03
	id7zMainStreams       = 0x04
	id7zFilesInfo         = 0x05
	id7zPackInfo          = 0x06
	id7zUnpackInfo        = 0x07
	id7zSubStreamsInfo    = 0x08
	id7zSize              = 0x09
	id7zCRC               = 0x0A
	id7zFolder            = 0x0B
	id7zCodersUnpackSize  = 0x0C
	id7zNumUnpackStream   = 0x0D
	id7zEncodedHeader     = 0x17
)

var (
	coder7zAES  = []byte{0x06, 0xF1, 0x07, 0x01}
	coder7zLZMA = []byte{0x03, 0x01, 0x01}
)

// errSevenZipEmpty says the archive has no header: it holds no file.
var errSevenZipEmpty = errors.New("message: empty 7z archive")

// errSevenZipHeaderEncrypted says the header (names included) is encrypted.
var errSevenZipHeaderEncrypted = errors.New("message: 7z header encrypted")

// read7z lists a 7z archive from its header: names, declared sizes and which
// entries sit in an AES-encrypted folder. Nothing is decompressed but a
// compressed header (bounded by max7zHeaderBytes), so nested archives are not
// opened. bodgit/sevenzip allocates by the header's counts before checking
// them, so the header is first walked here (check7zHeader) and every count
// compared with the entry cap before the library reads it.
func (p *parser) read7z(b []byte) (ar *Archive, errText string) {
	ar = &Archive{Format: "7z", Entries: []ArchiveEntry{}}
	defer func() {
		// Keep what was listed when the library panics.
		if r := recover(); r != nil {
			errText = fmt.Sprintf("7z: reader failed: %v", r)
		}
	}()
	maxCount := 4 * p.lim.MaxArchiveEntries
	hdr, err := check7zHeader(b, maxCount)
	switch {
	case errors.Is(err, errSevenZipHeaderEncrypted):
		ar.Encrypted = true
		return ar, ""
	case errors.Is(err, errSevenZipEmpty):
		return ar, ""
	case err != nil:
		return ar, fmt.Sprintf("7z: %v", err)
	}
	zr, err := sevenzip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		var re *sevenzip.ReadError
		if errors.As(err, &re) && re.Encrypted {
			ar.Encrypted = true
			return ar, ""
		}
		return ar, fmt.Sprintf("7z: %v", err)
	}
	for _, f := range zr.File {
		if len(ar.Entries) >= p.lim.MaxArchiveEntries {
			ar.Truncated = true
			break
		}
		e := ArchiveEntry{Name: toValidUTF8(f.Name), Size: f.UncompressedSize}
		isDir := f.FileInfo().IsDir()
		// Directories and empty files have no stream; Stream is then 0 and
		// says nothing.
		if !isDir && f.UncompressedSize > 0 && f.Stream >= 0 && f.Stream < len(hdr.encryptedFolders) && hdr.encryptedFolders[f.Stream] {
			e.Encrypted = true
			ar.Encrypted = true
		}
		ext := strings.TrimPrefix(strings.ToLower(path.Ext(strings.TrimSuffix(f.Name, "/"))), ".")
		if !isDir {
			e.Kind = classify("", ext, "")
		}
		ar.Entries = append(ar.Entries, e)
	}
	return ar, ""
}

// sevenZipHeader is what check7zHeader learnt.
type sevenZipHeader struct {
	// encryptedFolders has, per folder of the main streams, whether one of its coders is AES.
	encryptedFolders []bool
}

// check7zHeader walks the header of a 7z archive that starts at b[0] and
// fails if any count in it is above maxCount, or if the header cannot be
// walked. A compressed header is decoded when it is plain LZMA (what 7-Zip
// writes); any other method is refused, since the counts inside could not be
// checked. An AES coder on the header gives errSevenZipHeaderEncrypted.
func check7zHeader(b []byte, maxCount int) (*sevenZipHeader, error) {
	if len(b) < 32 || !bytes.HasPrefix(b, sevenZipMagic) {
		return nil, errors.New("archive shorter than its signature header")
	}
	off := binary.LittleEndian.Uint64(b[12:20])
	size := binary.LittleEndian.Uint64(b[20:28])
	rest := uint64(len(b) - 32)
	if off > rest || size > rest-off {
		return nil, errors.New("header beyond the end of the file (truncated archive)")
	}
	if size == 0 {
		return nil, errSevenZipEmpty
	}
	w := &walker7z{b: b[32+off : 32+off+size], max: maxCount}
	id := w.byte()
	if id == id7zEncodedHeader {
		si := w.streamsInfo()
		if w.err != nil {
			return nil, w.err
		}
		if len(si.folders) != 1 || len(si.packSizes) != 1 {
			return nil, errors.New("compressed header of several streams")
		}
		fo := si.folders[0]
		if fo.encrypted {
			return nil, errSevenZipHeaderEncrypted
		}
		if len(fo.coders) != 1 || !bytes.Equal(fo.coders[0].id, coder7zLZMA) || len(fo.coders[0].props) != 5 || len(fo.unpackSizes) != 1 {
			return nil, errors.New("header compressed with a method other than LZMA: not listed")
		}
		unpack := fo.unpackSizes[0]
		if unpack > max7zHeaderBytes {
			return nil, fmt.Errorf("compressed header declares %d bytes, more than %d: not listed", unpack, max7zHeaderBytes)
		}
		if si.packPos > rest || si.packSizes[0] > rest-si.packPos {
			return nil, errors.New("compressed header beyond the end of the file (truncated archive)")
		}
		packed := b[32+si.packPos : 32+si.packPos+si.packSizes[0]]
		lh := make([]byte, 13)
		copy(lh, fo.coders[0].props)
		binary.LittleEndian.PutUint64(lh[5:], unpack)
		lr, err := lzma.NewReader(io.MultiReader(bytes.NewReader(lh), bytes.NewReader(packed)))
		if err != nil {
			return nil, fmt.Errorf("compressed header: %w", err)
		}
		dec, err := io.ReadAll(io.LimitReader(lr, int64(unpack)))
		if err != nil {
			return nil, fmt.Errorf("compressed header: %w", err)
		}
		if uint64(len(dec)) != unpack {
			return nil, errors.New("compressed header cut short (truncated archive)")
		}
		w = &walker7z{b: dec, max: maxCount}
		id = w.byte()
	}
	if id != id7zHeader {
		return nil, fmt.Errorf("unexpected header id %#x", id)
	}
	h := &sevenZipHeader{}
	for w.err == nil {
		switch w.byte() {
		case id7zEnd:
			return h, w.err
		case id7zArchiveProperties:
			for w.err == nil {
				if w.byte() == 0 {
					break
				}
				w.skip(w.num())
			}
		case id7zAdditionalStreams:
			w.streamsInfo()
		case id7zMainStreams:
			for _, fo := range w.streamsInfo().folders {
				h.encryptedFolders = append(h.encryptedFolders, fo.encrypted)
			}
		case id7zFilesInfo:
			w.count()
			for w.err == nil {
				if w.byte() == id7zEnd {
					break
				}
				w.skip(w.num())
			}
		default:
			w.fail("unexpected property in header")
		}
	}
	return nil, w.err
}

// walker7z reads 7z header structures, recording the first error.
type walker7z struct {
	b   []byte
	i   int
	max int
	err error
}

type coder7z struct {
	id, props []byte
}

type folder7z struct {
	coders      []coder7z
	outs        uint64
	encrypted   bool
	unpackSizes []uint64
}

type streams7z struct {
	packPos   uint64
	packSizes []uint64
	folders   []folder7z
}

func (w *walker7z) fail(msg string) {
	if w.err == nil {
		w.err = errors.New("header: " + msg)
	}
}

func (w *walker7z) byte() byte {
	if w.err != nil {
		return 0
	}
	if w.i >= len(w.b) {
		w.fail("cut short")
		return 0
	}
	c := w.b[w.i]
	w.i++
	return c
}

func (w *walker7z) bytes(n uint64) []byte {
	if w.err != nil {
		return nil
	}
	if n > uint64(len(w.b)-w.i) {
		w.fail("cut short")
		return nil
	}
	s := w.b[w.i : w.i+int(n)]
	w.i += int(n)
	return s
}

func (w *walker7z) skip(n uint64) { w.bytes(n) }

// num reads a 7z UINT64: the leading one bits of the first byte say how many bytes follow.
func (w *walker7z) num() uint64 {
	first := w.byte()
	var v uint64
	mask := byte(0x80)
	for i := range 8 {
		if first&mask == 0 {
			high := uint64(first) & (uint64(mask) - 1)
			return v | high<<(8*i)
		}
		v |= uint64(w.byte()) << (8 * i)
		mask >>= 1
	}
	return v
}

// count reads a number of items that the library will allocate for.
func (w *walker7z) count() int {
	n := w.num()
	if w.err == nil && n > uint64(w.max) {
		w.err = fmt.Errorf("header declares %d items, more than %d: not listed", n, w.max)
	}
	if w.err != nil {
		return 0
	}
	return int(n)
}

// digests skips n optional CRCs (n is already checked).
func (w *walker7z) digests(n int) {
	defined := n
	if w.byte() == 0 {
		bits := w.bytes(uint64(n+7) / 8)
		defined = 0
		for i := 0; i < n && w.err == nil; i++ {
			if bits[i/8]&(0x80>>(i%8)) != 0 {
				defined++
			}
		}
	}
	w.skip(4 * uint64(defined))
}

func (w *walker7z) streamsInfo() streams7z {
	var s streams7z
	for w.err == nil {
		switch w.byte() {
		case id7zEnd:
			return s
		case id7zPackInfo:
			s.packPos = w.num()
			n := w.count()
		pack:
			for w.err == nil {
				switch w.byte() {
				case id7zEnd:
					break pack
				case id7zSize:
					for i := 0; i < n && w.err == nil; i++ {
						s.packSizes = append(s.packSizes, w.num())
					}
				case id7zCRC:
					w.digests(n)
				default:
					w.fail("unexpected property in pack info")
				}
			}
		case id7zUnpackInfo:
			if w.byte() != id7zFolder {
				w.fail("folders expected")
				return s
			}
			n := w.count()
			if w.byte() != 0 {
				w.fail("external folders")
				return s
			}
			var outs uint64
			for i := 0; i < n && w.err == nil; i++ {
				fo := w.folder()
				outs += fo.outs
				if outs > uint64(w.max) {
					w.fail("too many coder outputs")
				}
				s.folders = append(s.folders, fo)
			}
			if w.byte() != id7zCodersUnpackSize {
				w.fail("coder sizes expected")
				return s
			}
			for i := range s.folders {
				for j := uint64(0); j < s.folders[i].outs && w.err == nil; j++ {
					s.folders[i].unpackSizes = append(s.folders[i].unpackSizes, w.num())
				}
			}
		unpack:
			for w.err == nil {
				switch w.byte() {
				case id7zEnd:
					break unpack
				case id7zCRC:
					w.digests(n)
				default:
					w.fail("unexpected property in unpack info")
				}
			}
		case id7zSubStreamsInfo:
			w.subStreams(s.folders)
		default:
			w.fail("unexpected property in streams info")
		}
	}
	return s
}

func (w *walker7z) folder() folder7z {
	var fo folder7z
	nc := w.num()
	if nc == 0 || nc > max7zCoders {
		w.fail("bad number of coders")
		return fo
	}
	var ins uint64
	for range nc {
		flag := w.byte()
		if flag&0x80 != 0 {
			w.fail("alternative coder methods")
			return fo
		}
		c := coder7z{id: w.bytes(uint64(flag & 0x0F))}
		in, out := uint64(1), uint64(1)
		if flag&0x10 != 0 {
			in, out = w.num(), w.num()
			if in > max7zCoders || out > max7zCoders {
				w.fail("too many coder streams")
				return fo
			}
		}
		if flag&0x20 != 0 {
			c.props = w.bytes(w.num())
		}
		if bytes.Equal(c.id, coder7zAES) {
			fo.encrypted = true
		}
		ins += in
		fo.outs += out
		fo.coders = append(fo.coders, c)
	}
	if w.err != nil {
		return fo
	}
	if fo.outs == 0 || ins < fo.outs-1 {
		w.fail("bad coder streams")
		return fo
	}
	for range fo.outs - 1 {
		w.num()
		w.num()
	}
	if packed := ins - (fo.outs - 1); packed > 1 {
		for range packed {
			w.num()
		}
	}
	return fo
}

func (w *walker7z) subStreams(folders []folder7z) {
	streams := make([]int, len(folders))
	for i := range streams {
		streams[i] = 1
	}
	for w.err == nil {
		switch w.byte() {
		case id7zEnd:
			return
		case id7zNumUnpackStream:
			total := 0
			for i := range streams {
				streams[i] = w.count()
				total += streams[i]
				if total > w.max {
					w.fail("too many streams")
					return
				}
			}
		case id7zSize:
			for _, n := range streams {
				for j := 1; j < n && w.err == nil; j++ {
					w.num()
				}
			}
		case id7zCRC:
			// bodgit/sevenzip reads a digest slot for every stream (7-Zip
			// leaves out those of one-stream folders with a digest of their
			// own); follow the library, whose reads are the ones to bound.
			n := 0
			for _, k := range streams {
				n += k
			}
			w.digests(n)
		default:
			w.fail("unexpected property in substreams info")
		}
	}
}
