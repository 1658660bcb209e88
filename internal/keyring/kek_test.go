package keyring

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testKey returns 32 bytes chosen so that its base64 forms use the
// characters that differ between the standard and URL alphabets.
func testKey() []byte {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = byte(0xf8 + i%8) // f8..ff: base64 "+" "/" (std) or "-" "_" (url)
	}
	return k
}

func mustKEK(t testing.TB, key []byte) *KEK {
	t.Helper()
	k, err := NewKEK(key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewKEK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     []byte
		wantErr string
	}{
		{name: "ok/32 bytes", key: testKey()},
		{name: "error/nil", key: nil, wantErr: "keyring: master key must be 32 bytes, got 0"},
		{name: "error/16 bytes", key: make([]byte, 16), wantErr: "keyring: master key must be 32 bytes, got 16"},
		{name: "error/31 bytes", key: make([]byte, 31), wantErr: "keyring: master key must be 32 bytes, got 31"},
		{name: "error/33 bytes", key: make([]byte, 33), wantErr: "keyring: master key must be 32 bytes, got 33"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := NewKEK(tt.key)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if !errors.Is(err, ErrInvalidKey) {
					t.Errorf("err does not match ErrInvalidKey")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(k.key[:], tt.key) {
				t.Errorf("key not copied")
			}
		})
	}
}

func TestNewKEKCopies(t *testing.T) {
	t.Parallel()
	key := testKey()
	k := mustKEK(t, key)
	id := k.ID
	clear(key)
	if k.ID != id || k.key[0] != 0xf8 {
		t.Fatal("KEK shares the caller's slice")
	}
}

// pinnedZeroKEKID is the id of the all-zero key, computed independently:
// hex(SHA-256("qtriage/keyring/kek-id/v1\x00" || 32 zero bytes)[:8]).
const pinnedZeroKEKID = "d30abdb962322aac"

func TestKEKID(t *testing.T) {
	t.Parallel()
	// Pinned: ids are stored in databases, so the derivation must not change.
	zero := mustKEK(t, make([]byte, KeySize))
	if len(zero.ID) != 2*kekIDLen {
		t.Fatalf("ID %q: want %d hex digits", zero.ID, 2*kekIDLen)
	}
	if _, err := hex.DecodeString(zero.ID); err != nil || strings.ToLower(zero.ID) != zero.ID {
		t.Fatalf("ID %q is not lower-case hex", zero.ID)
	}
	if got := mustKEK(t, make([]byte, KeySize)).ID; got != zero.ID {
		t.Errorf("same key, different ids: %s, %s", got, zero.ID)
	}
	if other := mustKEK(t, testKey()).ID; other == zero.ID {
		t.Errorf("different keys, same id %s", other)
	}
	if zero.ID != pinnedZeroKEKID {
		t.Errorf("ID of the all-zero key = %s, want %s (the derivation changed)", zero.ID, pinnedZeroKEKID)
	}
}

func TestParseKEK(t *testing.T) {
	t.Parallel()
	key := testKey()
	want := mustKEK(t, key).ID
	tests := []struct {
		name    string
		in      string
		wantErr string // substring; "" means success
	}{
		{name: "ok/std padded", in: base64.StdEncoding.EncodeToString(key)},
		{name: "ok/std raw", in: base64.RawStdEncoding.EncodeToString(key)},
		{name: "ok/url padded", in: base64.URLEncoding.EncodeToString(key)},
		{name: "ok/url raw", in: base64.RawURLEncoding.EncodeToString(key)},
		{name: "ok/white space", in: " \t" + base64.StdEncoding.EncodeToString(key) + "\r\n\n"},
		{name: "error/empty", in: "", wantErr: "keyring: master key is empty"},
		{name: "error/blank", in: " \n\t", wantErr: "keyring: master key is empty"},
		{name: "error/not base64", in: "this is not base64!", wantErr: "keyring: master key is not valid base64"},
		{name: "error/mixed alphabets", in: "+-" + base64.RawStdEncoding.EncodeToString(key)[2:], wantErr: "not valid base64"},
		{name: "error/short", in: base64.StdEncoding.EncodeToString(key[:16]), wantErr: "keyring: master key must be 32 bytes, got 16"},
		{name: "error/long", in: base64.StdEncoding.EncodeToString(append(key, 1)), wantErr: "keyring: master key must be 32 bytes, got 33"},
		{name: "error/hex instead of base64", in: hex.EncodeToString(key), wantErr: "must be 32 bytes, got 48"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := ParseKEK(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if !errors.Is(err, ErrInvalidKey) {
					t.Errorf("err does not match ErrInvalidKey")
				}
				if strings.TrimSpace(tt.in) != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.in)) {
					t.Errorf("error echoes the input: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.ID != want {
				t.Errorf("ID = %s, want %s", k.ID, want)
			}
		})
	}
}

// secretForms returns every way the test key could leak into text.
func secretForms(key []byte) []string {
	return []string{
		base64.StdEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key),
		hex.EncodeToString(key),
		strings.ToUpper(hex.EncodeToString(key)),
		hex.EncodeToString(key[:8]),
		fmt.Sprint(key[:8])[1:20],       // "248 249 250 ..." as %v/%d would print it
		fmt.Sprintf("%#v", key[:4])[8:], // "0xf8, 0xf9, ..." as %#v would
		string(key[:8]),
	}
}

func TestKEKNeverFormatsKey(t *testing.T) {
	t.Parallel()
	key := testKey()
	k := mustKEK(t, key)
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v", "%-8s"} {
		outputs = append(outputs,
			fmt.Sprintf(verb, k),
			fmt.Sprintf(verb, *k),
			fmt.Sprintf(verb, []*KEK{k}),
			fmt.Sprintf(verb, struct{ K *KEK }{k}),
			fmt.Sprintf(verb, struct{ K KEK }{*k}),
		)
	}
	var logs bytes.Buffer
	text := slog.New(slog.NewTextHandler(&logs, nil))
	text.Info("loaded", "kek", k, "kekval", *k, slog.Any("any", k))
	jsonl := slog.New(slog.NewJSONHandler(&logs, nil))
	jsonl.Info("loaded", "kek", k, "kekval", *k)
	outputs = append(outputs, logs.String())
	js, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(js))

	for _, out := range outputs {
		for _, secret := range secretForms(key) {
			if strings.Contains(out, secret) {
				t.Errorf("output %q contains key material %q", out, secret)
			}
		}
		if !strings.Contains(out, k.ID) {
			t.Errorf("output %q does not name the key id", out)
		}
	}
	if got, want := fmt.Sprint(k), "keyring.KEK("+k.ID+")"; got != want {
		t.Errorf("Sprint = %q, want %q", got, want)
	}
	if !strings.Contains(logs.String(), "kek.id="+k.ID) {
		t.Errorf("slog text output lacks kek.id: %s", logs.String())
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not enforced on Windows")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "secrets", "nested", "master.key")

	k1, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreateKeyFile: created=%v err=%v", created, err)
	}
	assertMode(t, path, 0o600)
	assertMode(t, filepath.Dir(path), 0o700)
	assertMode(t, filepath.Join(dir, "secrets"), 0o700)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(raw), base64.StdEncoding.EncodeToString(k1.key[:])+"\n"; got != want {
		t.Errorf("file content is not the base64 key and a newline")
	}

	k2, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created {
		t.Fatalf("second LoadOrCreateKeyFile: created=%v err=%v", created, err)
	}
	if k2.ID != k1.ID || k2.key != k1.key {
		t.Errorf("reloaded key differs: %s vs %s", k2.ID, k1.ID)
	}
	k3, err := LoadKeyFile(path)
	if err != nil || k3.ID != k1.ID {
		t.Fatalf("LoadKeyFile: %v, %v", k3, err)
	}

	if _, err := CreateKeyFile(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("CreateKeyFile over an existing file: err = %v, want fs.ErrExist", err)
	}
	if k4, _ := LoadKeyFile(path); k4 == nil || k4.ID != k1.ID {
		t.Errorf("CreateKeyFile changed an existing file")
	}
}

func TestKeyFilePermissions(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not enforced on Windows")
	}
	content := base64.StdEncoding.EncodeToString(testKey()) + "\n"
	tests := []struct {
		name    string
		mode    os.FileMode
		wantErr bool
	}{
		{name: "ok/0600", mode: 0o600},
		{name: "ok/0400", mode: 0o400},
		{name: "error/0644", mode: 0o644, wantErr: true},
		{name: "error/0640", mode: 0o640, wantErr: true},
		{name: "error/0604", mode: 0o604, wantErr: true},
		{name: "error/0700", mode: 0o700, wantErr: true},
		{name: "error/0666", mode: 0o666, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			for _, load := range []func() error{
				func() error { _, err := LoadKeyFile(path); return err },
				func() error { _, _, err := LoadOrCreateKeyFile(path); return err },
			} {
				err := load()
				if !tt.wantErr {
					if err != nil {
						t.Fatal(err)
					}
					continue
				}
				if !errors.Is(err, ErrInsecureKeyFile) {
					t.Fatalf("err = %v, want ErrInsecureKeyFile", err)
				}
				if !strings.Contains(err.Error(), "chmod 600") {
					t.Errorf("error %q does not say chmod 600", err)
				}
			}
			assertMode(t, path, tt.mode) // never "fixed" silently
		})
	}
}

func TestLoadKeyFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name   string
		path   string
		wantIs error
		want   string
	}{
		{name: "error/missing", path: filepath.Join(dir, "nope.key"), wantIs: fs.ErrNotExist},
		{name: "error/empty file", path: write("empty.key", ""), wantIs: ErrInvalidKey, want: "master key is empty"},
		{name: "error/garbage", path: write("garbage.key", "hunter2 hunter2"), wantIs: ErrInvalidKey, want: "not valid base64"},
		{name: "error/short key", path: write("short.key", base64.StdEncoding.EncodeToString(make([]byte, 24))), wantIs: ErrInvalidKey, want: "got 24"},
		{name: "error/huge", path: write("huge.key", strings.Repeat("A", maxKeyFileSize+1)), wantIs: ErrInvalidKey, want: "too large"},
		{name: "error/directory", path: dir, want: "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadKeyFile(tt.path)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "keyring: ") {
				t.Errorf("err = %q, want prefix keyring: and %q", err, tt.want)
			}
			if strings.Count(err.Error(), "keyring:") > 1 {
				t.Errorf("err = %q repeats the package prefix", err)
			}
		})
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", path, got, want)
	}
}

func FuzzParseKEK(f *testing.F) {
	key := testKey()
	f.Add(base64.StdEncoding.EncodeToString(key))
	f.Add(base64.RawURLEncoding.EncodeToString(key))
	f.Add(" " + base64.URLEncoding.EncodeToString(key) + "\n")
	f.Add(base64.StdEncoding.EncodeToString(key[:31]))
	f.Add("")
	f.Add("====")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKEK(s)
		if err != nil {
			if k != nil {
				t.Fatal("non-nil KEK with an error")
			}
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("err %v does not match ErrInvalidKey", err)
			}
			if in := strings.TrimSpace(s); len(in) >= 8 && strings.Contains(err.Error(), in) {
				t.Fatalf("error echoes the input: %v", err)
			}
			return
		}
		// Whatever was accepted round-trips through the canonical form.
		again, err := ParseKEK(string(k.encode()))
		if err != nil || again.ID != k.ID || again.key != k.key {
			t.Fatalf("round trip failed: %v", err)
		}
		if len(k.ID) != 2*kekIDLen {
			t.Fatalf("ID %q", k.ID)
		}
	})
}
