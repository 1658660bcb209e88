package m365sim

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// SeedSpread is the period over which seeded messages' received times are
// spread (ending now).
const SeedSpread = 14 * 24 * time.Hour

// SeedResult counts what Seed loaded.
type SeedResult struct {
	Messages int `json:"messages"`
	Items    int `json:"items"`
	Skipped  int `json:"skipped"`
}

// Seed loads every .eml file of dir into a tenant's quarantine. An optional
// sidecar X.json next to X.eml holds MessageMeta; missing fields are chosen
// deterministically from the content hash, and received times are spread
// over the last 14 days. Seeding the same files again adds nothing.
func (s *Sim) Seed(tenantRef, dir string) (SeedResult, error) {
	return s.SeedContext(context.Background(), tenantRef, dir)
}

// SeedContext is Seed that stops when ctx ends.
func (s *Sim) SeedContext(ctx context.Context, tenantRef, dir string) (SeedResult, error) {
	var res SeedResult
	entries, err := os.ReadDir(dir)
	if err != nil {
		return res, fmt.Errorf("m365sim: seed dir: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".eml") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	now := s.now()
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("m365sim: seed interrupted: %w", err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return res, fmt.Errorf("m365sim: seed %s: %w", name, err)
		}
		meta, err := readSidecar(filepath.Join(dir, strings.TrimSuffix(name, filepath.Ext(name))+".json"))
		if err != nil {
			return res, fmt.Errorf("m365sim: seed %s: %w", name, err)
		}
		sum := sha256.Sum256(raw)
		if meta.Received.IsZero() {
			frac := float64(binary.BigEndian.Uint64(sum[8:16])>>11) / float64(1<<53)
			meta.Received = now.Add(-time.Duration(frac * float64(SeedSpread))).Truncate(time.Millisecond)
		}
		items, err := s.addMessage(tenantRef, raw, meta, "seed")
		if errors.Is(err, ErrNotFound) {
			return res, err
		}
		if err != nil {
			res.Skipped++
			s.logger.Warn("m365sim: seed: skipped message", "file", name, "err", err)
			continue
		}
		res.Messages++
		res.Items += len(items)
	}
	return res, nil
}

func readSidecar(path string) (MessageMeta, error) {
	var meta MessageMeta
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return meta, nil
	}
	if err != nil {
		return meta, fmt.Errorf("m365sim: read sidecar: %w", err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return meta, fmt.Errorf("m365sim: sidecar %s: %w: %w", filepath.Base(path), ErrInvalid, err)
	}
	return meta, nil
}
