package message

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// corpusDir is the shared corpus, relative to this package.
const corpusDir = "../../../shared/corpus"

// corpusFiles lists every file under dir (skipping expected-parse JSON and
// READMEs), or skips the test when the corpus is absent.
func corpusFiles(t testing.TB, dir string) []string {
	t.Helper()
	root := filepath.Join(corpusDir, dir)
	if _, err := os.Stat(root); err != nil {
		t.Skipf("corpus not present at %s", root)
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		if strings.HasSuffix(name, ".json") || strings.EqualFold(name, "README.md") || strings.HasPrefix(name, ".") {
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		t.Fatalf("walk corpus: %v", err)
	}
	return files
}

// TestCorpus parses every file of the shared corpus: no error, no internal
// defect (a recovered panic), and a model that serialises.
func TestCorpus(t *testing.T) {
	t.Parallel()
	files := corpusFiles(t, "")
	start := time.Now()
	workers := max(1, runtime.GOMAXPROCS(0))
	ch := make(chan string)
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range ch {
				raw, err := os.ReadFile(p)
				if err != nil {
					mu.Lock()
					failures = append(failures, p+": "+err.Error())
					mu.Unlock()
					continue
				}
				if len(raw) == 0 {
					continue
				}
				m, err := Parse(raw, Limits{})
				var problem string
				switch {
				case err != nil:
					problem = err.Error()
				case m == nil:
					problem = "nil model"
				default:
					for _, d := range m.Defects {
						if d.Kind == DefectInternal {
							problem = d.String()
						}
					}
				}
				if problem != "" {
					mu.Lock()
					failures = append(failures, p+": "+problem)
					mu.Unlock()
				}
			}
		}()
	}
	for _, f := range files {
		ch <- f
	}
	close(ch)
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("parsed %d corpus files in %s", len(files), time.Since(start).Round(time.Millisecond))
}
