package m365sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

const (
	stateFileName = "state.json"
	messagesDir   = "messages"
	stateVersion  = 1
)

// state is the persisted part of the sim: the directory and the quarantine.
type state struct {
	Version int            `json:"version"`
	Tenants []*tenantState `json:"tenants"`
}

// loadState reads state.json from dir (an empty state when absent or dir is
// empty) and rebuilds the in-memory indexes.
func loadState(dir string) (*state, map[string][]byte, error) {
	st := &state{Version: stateVersion}
	blobs := map[string][]byte{}
	if dir == "" {
		return st, blobs, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, stateFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return st, blobs, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("m365sim: read state: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, nil, fmt.Errorf("m365sim: decode state: %w", err)
	}
	if st.Version != stateVersion {
		return nil, nil, fmt.Errorf("m365sim: state version %d, want %d: %w", st.Version, stateVersion, ErrInvalid)
	}
	for _, t := range st.Tenants {
		t.index = make(map[string]*item, len(t.Items))
		for _, it := range t.Items {
			t.index[it.identity()] = it
		}
		t.deleted = make(map[string]bool, len(t.Deleted))
		for _, id := range t.Deleted {
			t.deleted[id] = true
		}
	}
	return st, blobs, nil
}

// snapshot encodes the state under the read lock.
func (s *Sim) snapshot() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := json.Marshal(s.st)
	if err != nil {
		return nil, fmt.Errorf("m365sim: encode state: %w", err)
	}
	return b, nil
}

var hashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// putBlob stores the raw message under its sha256 (on disk when the sim has a
// state dir). The caller holds s.mu.
func (s *Sim) putBlobLocked(hash string, data []byte) error {
	if s.opts.StateDir == "" {
		s.blobs[hash] = data
		return nil
	}
	if _, ok := s.blobs[hash]; ok {
		return nil
	}
	dir := filepath.Join(s.opts.StateDir, messagesDir)
	path := filepath.Join(dir, hash+".eml")
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("m365sim: create messages dir: %w", err)
	}
	return writeFileAtomic(path, data, 0o600)
}

// blob returns the raw message stored under hash.
func (s *Sim) blob(hash string) ([]byte, error) {
	s.mu.RLock()
	b, ok := s.blobs[hash]
	s.mu.RUnlock()
	if ok {
		return b, nil
	}
	if s.opts.StateDir == "" || !hashRE.MatchString(hash) {
		return nil, fmt.Errorf("m365sim: message %s: %w", hash, ErrNotFound)
	}
	b, err := os.ReadFile(filepath.Join(s.opts.StateDir, messagesDir, hash+".eml"))
	if err != nil {
		return nil, fmt.Errorf("m365sim: message %s: %w: %w", hash, ErrNotFound, err)
	}
	return b, nil
}

// saver writes the state to disk in the background, coalescing bursts of
// changes; close flushes.
type saver struct {
	dir      string
	snapshot func() ([]byte, error)
	logger   *slog.Logger

	writeMu sync.Mutex
	mu      sync.Mutex
	dirty   bool
	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func newSaver(dir string, snapshot func() ([]byte, error), logger *slog.Logger) *saver {
	sv := &saver{dir: dir, snapshot: snapshot, logger: logger, kick: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	if dir == "" {
		close(sv.stopped)
		return sv
	}
	go sv.loop()
	return sv
}

func (sv *saver) markDirty() {
	if sv == nil || sv.dir == "" {
		return
	}
	sv.mu.Lock()
	sv.dirty = true
	sv.mu.Unlock()
	select {
	case sv.kick <- struct{}{}:
	default:
	}
}

func (sv *saver) loop() {
	defer close(sv.stopped)
	for {
		select {
		case <-sv.stop:
			return
		case <-sv.kick:
		}
		select {
		case <-sv.stop:
			return
		case <-time.After(50 * time.Millisecond):
		}
		if err := sv.flush(); err != nil {
			sv.logger.Error("m365sim: save state", "err", err)
		}
	}
}

// flush writes the state if it changed since the last write.
// It never holds sv.mu while taking the sim's lock (mutators call markDirty
// with the sim's lock held).
func (sv *saver) flush() error {
	sv.writeMu.Lock()
	defer sv.writeMu.Unlock()
	sv.mu.Lock()
	dirty := sv.dirty
	sv.dirty = false
	sv.mu.Unlock()
	if !dirty {
		return nil
	}
	b, err := sv.snapshot()
	if err == nil {
		err = writeFileAtomic(filepath.Join(sv.dir, stateFileName), b, 0o600)
	}
	if err != nil {
		sv.mu.Lock()
		sv.dirty = true
		sv.mu.Unlock()
	}
	return err
}

func (sv *saver) close() error {
	if sv == nil || sv.dir == "" {
		return nil
	}
	sv.once.Do(func() { close(sv.stop) })
	<-sv.stopped
	return sv.flush()
}
