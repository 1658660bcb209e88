package cli_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/cli"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// handedOut are the addresses freeAddr has returned in this process.
var handedOut sync.Map

// freeAddr returns a loopback address with a free port, never the same one
// twice in this process: once the probe listener is closed the kernel may
// hand the port to the next probe, and two parallel subtests would then
// start their servers on one address (the second fails to bind, and its
// requests reach the first).
func freeAddr(t *testing.T) string {
	t.Helper()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if _, dup := handedOut.LoadOrStore(addr, true); !dup {
			return addr
		}
	}
}

// TestServe starts `qtriage serve` as a user would, uses the API with a token
// made by `qtriage token create`, and stops it with its context (SIGINT in
// main).
func TestServe(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.ok("tenant", "create", "contoso")
		token := strings.TrimSpace(e.ok("token", "create", "--tenant", "contoso", "--role", "viewer"))
		addr := freeAddr(t)
		e.vars["QTRIAGE_LISTEN"] = addr
		e.vars["QTRIAGE_LOG_FORMAT"] = "json"

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stderr syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- cli.RunEnv(ctx, []string{"qtriage", "serve"}, e.getenv, io.Discard, &stderr)
		}()

		base := "http://" + addr
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get(base + "/readyz")
			if err == nil && resp.StatusCode == 200 {
				resp.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("server not ready: %v\n%s", err, stderr.String())
			}
			select {
			case code := <-done:
				t.Fatalf("serve exited %d:\n%s", code, stderr.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
		req, _ := http.NewRequest("GET", base+"/api/v1/tenants/contoso", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"slug": "contoso"`) {
			t.Fatalf("GET tenant: %d %s", resp.StatusCode, body)
		}

		// One /metrics for the server and the pipeline.
		resp, err = http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{"qtriage_http_requests_total", "qtriage_ingest_export_duration_seconds_count", "go_goroutines"} {
			if !strings.Contains(string(metrics), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}

		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("serve exited %d after shutdown:\n%s", code, stderr.String())
			}
		case <-time.After(25 * time.Second):
			t.Fatal("serve did not shut down")
		}
		logs := stderr.String()
		if strings.Contains(logs, token) {
			t.Fatal("the API token was logged")
		}
		if !strings.Contains(logs, `"msg":"shutting down"`) {
			t.Fatalf("no shutdown log:\n%s", logs)
		}
	})
}

// TestWorkerMetrics: a worker given metrics_listen serves its pipeline's
// and webhook dispatcher's metrics, and stops cleanly.
func TestWorkerMetrics(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.ok("tenant", "create", "contoso")
		addr := freeAddr(t)
		e.vars["QTRIAGE_METRICS_LISTEN"] = addr
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stderr syncBuffer
		done := make(chan int, 1)
		go func() { done <- cli.RunEnv(ctx, []string{"qtriage", "worker"}, e.getenv, io.Discard, &stderr) }()
		var body []byte
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + "/metrics")
			if err == nil {
				body, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("worker metrics not served: %v\n%s", err, stderr.String())
			}
			select {
			case code := <-done:
				t.Fatalf("worker exited %d:\n%s", code, stderr.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
		for _, want := range []string{"qtriage_ingest_queue_jobs", "go_goroutines", "process_cpu_seconds_total"} {
			if !strings.Contains(string(body), want) {
				t.Errorf("worker /metrics lacks %s", want)
			}
		}
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("worker exited %d:\n%s", code, stderr.String())
			}
		case <-time.After(40 * time.Second):
			t.Fatal("worker did not stop")
		}
	})
}
