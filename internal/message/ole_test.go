package message

import (
	"encoding/binary"
	"testing"
	"unicode/utf16"
)

// buildCFB writes a minimal compound file (version 3, 512-byte sectors)
// whose root holds the storage path given, e.g. ["Macros", "VBA"].
func buildCFB(path []string) []byte {
	const (
		free       = 0xFFFFFFFF
		endOfChain = 0xFFFFFFFE
		fatSect    = 0xFFFFFFFD
		noStream   = 0xFFFFFFFF
	)
	le := binary.LittleEndian
	out := make([]byte, 512*3)
	h := out[:512]
	copy(h, oleMagic)
	le.PutUint16(h[24:], 0x3E)
	le.PutUint16(h[26:], 3)
	le.PutUint16(h[28:], 0xFFFE)
	le.PutUint16(h[30:], 9)
	le.PutUint16(h[32:], 6)
	le.PutUint32(h[44:], 1)          // FAT sectors
	le.PutUint32(h[48:], 1)          // first directory sector
	le.PutUint32(h[56:], 4096)       // mini stream cutoff
	le.PutUint32(h[60:], endOfChain) // first mini FAT sector
	le.PutUint32(h[68:], endOfChain) // first DIFAT sector
	le.PutUint32(h[76:], 0)          // DIFAT[0]: the FAT is sector 0
	for i := 1; i < 109; i++ {
		le.PutUint32(h[76+4*i:], free)
	}
	fat := out[512:1024]
	for i := 0; i < 128; i++ {
		le.PutUint32(fat[4*i:], free)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], endOfChain)
	dir := out[1024:1536]
	entry := func(i int, name string, typ byte, child uint32) {
		e := dir[128*i : 128*(i+1)]
		u := utf16.Encode([]rune(name))
		for k, c := range u {
			le.PutUint16(e[2*k:], c)
		}
		le.PutUint16(e[64:], uint16(2*(len(u)+1)))
		e[66] = typ
		e[67] = 1 // black
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], noStream)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], endOfChain)
	}
	entry(0, "Root Entry", 5, 1)
	for i, name := range path {
		child := uint32(noStream)
		if i+1 < len(path) {
			child = uint32(i + 2)
		}
		entry(i+1, name, 1, child)
	}
	for i := len(path) + 1; i < 4; i++ {
		e := dir[128*i : 128*(i+1)]
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], noStream)
		le.PutUint32(e[76:], noStream)
	}
	return out
}

func TestReadOLE(t *testing.T) {
	t.Parallel()
	info, errText := readOffice(buildCFB([]string{"Macros", "VBA"}), "application/x-ole-storage")
	if errText != "" || info == nil {
		t.Fatalf("readOffice: %q", errText)
	}
	if info.Format != "ole" || !info.Macros || len(info.MacroStreams) != 2 {
		t.Errorf("info = %+v", info)
	}
	clean, _ := readOffice(buildCFB([]string{"WordDocument"}), "application/x-ole-storage")
	if clean == nil || clean.Macros {
		t.Errorf("clean document = %+v", clean)
	}
}
