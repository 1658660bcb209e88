package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/cli"
	"github.com/qtriage/qtriage/internal/demo"
	"github.com/qtriage/qtriage/internal/store"
)

// runDemo starts `qtriage demo --json` and returns its login line once
// everything is up, and a function that stops it.
func runDemo(t *testing.T, e *env, dir string) (login map[string]string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.RunEnv(ctx, []string{"qtriage", "demo", "--dir", dir, "--listen", "127.0.0.1:0", "--json", "--arrival", "0"}, e.getenv, &stdout, &stderr)
	}()
	deadline := time.Now().Add(90 * time.Second)
	for {
		line, _, _ := strings.Cut(stdout.String(), "\n")
		if json.Unmarshal([]byte(line), &login) == nil && login["url"] != "" {
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("demo exited %d:\n%s", code, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("demo not up after 90s:\n%s", stderr.String())
		}
	}
	return login, func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("demo exit %d:\n%s", code, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("demo did not stop")
		}
	}
}

// TestDemo is the README's main command: with no configuration it sets up
// the emulator and the demo tenant, syncs and analyses every demo message,
// serves the console with a working login, and reuses its data next time.
func TestDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := &env{t: t, vars: map[string]string{"QTRIAGE_DATA_DIR": t.TempDir()}} // the demo must not use it
	login, stop := runDemo(t, e, dir)

	if login["user"] != "demo" || len(login["password"]) < 12 {
		t.Fatalf("login line: %v", login)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(login["url"]+"/login", url.Values{"username": {login["user"]}, "password": {login["password"]}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(login["url"] + "/t/contoso/quarantine?verdict=malicious")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "verdict-malicious") {
		t.Fatalf("signed-in quarantine page: %d", resp.StatusCode)
	}

	msgs, _ := demo.Messages()
	e2 := &env{t: t, vars: map[string]string{"QTRIAGE_DATA_DIR": dir}}
	st := e2.openStore()
	ten, err := st.Tenant(context.Background(), "contoso")
	if err != nil {
		t.Fatal(err)
	}
	counts, _ := st.Counts(context.Background(), ten.ID)
	if counts.Messages != len(msgs) || counts.Reports != len(msgs) || counts.Pending != 0 || counts.Failed != 0 {
		t.Fatalf("after the first sync: %+v, want %d messages analysed", counts, len(msgs))
	}
	verdicts, _, _ := st.ItemCounts(context.Background(), ten.ID, time.Now().Add(-30*24*time.Hour))
	seen := map[string]bool{}
	for _, v := range verdicts {
		seen[v.Key] = true
	}
	for _, v := range []string{"malicious", "benign"} {
		if !seen[v] {
			t.Errorf("no %s verdict in the demo: %v", v, verdicts)
		}
	}
	// The demo tenant names its partners: the supplier look-alike is caught.
	if d, err := st.DetectionSettings(context.Background(), ten.ID); err != nil || !slices.Contains(d.Partners, "fabrikam.example") {
		t.Errorf("demo detection settings: %+v, %v", d, err)
	}
	items, err := st.Items(context.Background(), store.ItemFilter{TenantID: ten.ID, Sender: "fabrikarn", Limit: 5})
	if err != nil || len(items) == 0 || items[0].Verdict != "malicious" {
		t.Errorf("the vendor bank-change look-alike: %+v, %v", items, err)
	}
	stop()

	// Second start: same data, same login, nothing seeded twice.
	login2, stop2 := runDemo(t, e, dir)
	defer stop2()
	if login2["password"] != login["password"] {
		t.Fatal("the demo login changed between starts")
	}
	counts2, _ := st.Counts(context.Background(), ten.ID)
	if counts2.Messages != counts.Messages || counts2.Items != counts.Items {
		t.Fatalf("second start changed the data: %+v → %+v", counts, counts2)
	}
}
