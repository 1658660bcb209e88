package keyring

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// ErrInsecureKeyFile is returned when a key file can be read or written by
// anyone but its owner.
var ErrInsecureKeyFile = errors.New("keyring: key file permissions too open")

// maxKeyFileSize bounds how much of a key file is read: a base64 key is 44
// bytes, a little white space and a comment-free file stay far below this.
const maxKeyFileSize = 4096

// LoadKeyFile reads a master key from a file holding its base64 text.
//
// On Unix the file must not be accessible to group or others, nor be
// executable: a mode more permissive than 0600 is refused with
// ErrInsecureKeyFile (fix it with chmod 600).
func LoadKeyFile(path string) (*KEK, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: open key file: %w", err)
	}
	defer f.Close()
	// Stat the open file, not the path, so the checked file is the read one.
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keyring: stat key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("keyring: key file %s is not a regular file", path)
	}
	if err := checkPerm(path, fi.Mode().Perm()); err != nil {
		return nil, err
	}
	buf, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	defer clear(buf)
	if err != nil {
		return nil, fmt.Errorf("keyring: read key file: %w", err)
	}
	if len(buf) > maxKeyFileSize {
		return nil, &keyError{fmt.Sprintf("keyring: key file %s is too large to hold a master key", path)}
	}
	k, err := ParseKEK(string(buf))
	if err != nil {
		// Keep the ErrInvalidKey match, name the file, avoid "keyring:" twice.
		return nil, withContext(err, "key file "+path)
	}
	return k, nil
}

func checkPerm(path string, perm fs.FileMode) error {
	if runtime.GOOS == "windows" || perm&^0o600 == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s has mode %#o, want 0600 or stricter (run: chmod 600 %s)",
		ErrInsecureKeyFile, path, perm, path)
}

// CreateKeyFile generates a new random master key and writes it, base64 on
// one line, to a new file of mode 0600. It never overwrites: if path exists
// the error matches fs.ErrExist. Missing parent directories are created with
// mode 0700.
func CreateKeyFile(path string) (*KEK, error) {
	k, err := GenerateKEK(nil)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keyring: create key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("keyring: create key file: %w", err)
	}
	text := append(k.encode(), '\n')
	defer clear(text)
	_, err = f.Write(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("keyring: write key file: %w", err)
	}
	return k, nil
}

// LoadOrCreateKeyFile loads the master key from path, or creates the file
// with a new random key (see CreateKeyFile) when it does not exist. created
// reports which happened. An existing file is checked as by LoadKeyFile.
func LoadOrCreateKeyFile(path string) (kek *KEK, created bool, err error) {
	kek, err = LoadKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return kek, false, err
	}
	kek, err = CreateKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our two calls: use theirs.
		kek, err = LoadKeyFile(path)
		return kek, false, err
	}
	return kek, err == nil, err
}
