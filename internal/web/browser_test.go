package web_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/klauspost/compress/zstd"

	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/store/storetest"
)

// chromium finds Debian's Chromium. Without it the browser tests skip,
// unless QTRIAGE_REQUIRE_BROWSER is set (CI sets it): then they fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("QTRIAGE_REQUIRE_BROWSER") != "" {
		t.Fatal("Chromium is required (QTRIAGE_REQUIRE_BROWSER is set) but not installed: apt-get install chromium")
	}
	t.Skip("Chromium not installed (apt-get install chromium); make test installs it")
	return ""
}

// screenshot saves a full-page PNG for a reviewer to look at: under
// $QTRIAGE_SCREENSHOTS, or a directory of the system's temp dir that the
// test does not remove; the path is logged.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("QTRIAGE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "qtriage-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

func newTab(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first Run starts the browser; a timeout on its context would
	// stop the browser, so it is run without one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// TestBrowserConnectTenant walks the customer's path in a real browser:
// sign in, Settings → Integrations, search, configure Microsoft 365, fix a
// typo the form reports, save, and see the guide filled with the values.
func TestBrowserConnectTenant(t *testing.T) {
	t.Parallel()
	ctx := newTab(t)
	c := newConsole(t, storetest.SQLiteURL(t))
	type css = chromedp.CSS
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	step("sign in",
		chromedp.Navigate(c.url+"/t/alpha/settings/integrations"),
		chromedp.WaitVisible(css(`input[name=username]`)),
		chromedp.SendKeys(css(`input[name=username]`), "alice"),
		chromedp.SendKeys(css(`input[name=password]`), testPassword),
		chromedp.Submit(css(`input[name=password]`)),
		chromedp.WaitVisible(css(`input[type=search]`)),
	)
	step("search and configure",
		chromedp.SendKeys(css(`input[type=search]`), "defender"),
		chromedp.Submit(css(`input[type=search]`)),
		chromedp.WaitVisible(css(`ul.integrations a.button`)),
		chromedp.Click(css(`ul.integrations a.button`)),
		chromedp.WaitVisible(css(`#thumbprint`)),
	)
	screenshot(t, ctx, "integration")
	if body := text(`main`); !strings.Contains(body, "SHA-1 thumbprint") || !strings.Contains(body, "alpha.qtriage.example.test.crt") {
		t.Fatalf("configure page lacks the certificate:\n%s", body)
	}
	step("a wrong organization",
		chromedp.SendKeys(css(`input[name=app_id]`), "0c6a6e2f-4f0e-4a53-9a3f-0f1e2d3c4b5a"),
		chromedp.SendKeys(css(`input[name=directory_id]`), "7d1f3a2b-8c9d-4e5f-a6b7-c8d9e0f1a2b3"),
		chromedp.SendKeys(css(`input[name=organization]`), "alphacorp.com"),
		chromedp.Click(css(`form.connection button[type=submit]`)),
		chromedp.WaitVisible(css(`.flash.error`)),
	)
	if errs := text(`.flash.error`); !strings.Contains(errs, "onmicrosoft.com") {
		t.Fatalf("form error: %q", errs)
	}
	step("fixed and saved",
		chromedp.SetValue(css(`input[name=organization]`), "alphacorp.onmicrosoft.com"),
		chromedp.Click(css(`form.connection button[type=submit]`)),
		chromedp.WaitVisible(css(`.flash.ok`)),
	)
	if guide := text(`#guide`); !strings.Contains(guide, "AppId eq '0c6a6e2f-4f0e-4a53-9a3f-0f1e2d3c4b5a'") || !strings.Contains(guide, "-Organization 'alphacorp.onmicrosoft.com'") {
		t.Fatalf("guide not filled in:\n%s", guide)
	}
}

// TestBrowserTriage signs in, opens the quarantine, filters malicious mail,
// opens a message and reads its verdict, in a real browser.
func TestBrowserTriage(t *testing.T) {
	t.Parallel()
	ctx := newTab(t)
	lc := newLiveConsole(t, storetest.SQLiteURL(t))
	type css = chromedp.CSS
	err := chromedp.Do(ctx,
		signIn(lc.url, "ana"),
		chromedp.WaitVisible(css(`svg.trend`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "dashboard")
	err = chromedp.Do(ctx,
		chromedp.Navigate(lc.url+"/t/contoso/quarantine"),
		chromedp.SetValue(css(`select[name=verdict]`), "malicious"),
		chromedp.Submit(css(`select[name=verdict]`)),
		chromedp.WaitVisible(css(`tr.verdict-malicious a`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "quarantine")
	err = chromedp.Do(ctx,
		chromedp.Click(css(`tr.verdict-malicious a`)),
		chromedp.WaitVisible(css(`.badge.big`)),
		chromedp.Sleep(time.Second), // the preview frame
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "message")
	verdict, err := chromedp.Run(ctx, chromedp.Text(css(`.badge.big`)))
	if err != nil {
		t.Fatal(err)
	}
	summary, err := chromedp.Run(ctx, chromedp.Text(css(`.summary`)))
	if err != nil {
		t.Fatal(err)
	}
	if verdict != "malicious" || len(summary) < 20 {
		t.Fatalf("verdict %q, summary %q", verdict, summary)
	}
}

// TestBrowserHostileHTML opens a message built to attack the analyst's
// browser: no script of it runs (the global it would set stays unset) and
// the remote image's host receives no request.
func TestBrowserHostileHTML(t *testing.T) {
	t.Parallel()
	ctx := newTab(t)
	var hits atomic.Int32
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer remote.Close()
	lc := newLiveConsole(t, storetest.SQLiteURL(t))

	raw := "From: Attacker <a@evil.example>\r\nTo: ana@contoso.example\r\nSubject: hostile\r\nMessage-ID: <hostile@evil.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		`<html><body><script>window.pwned = 1</script>` +
		`<img src="` + remote.URL + `/pixel.gif" onerror="window.pwned = 2">` +
		`<a href="javascript:window.pwned=3">click</a>` +
		`<form action="` + remote.URL + `/steal"><input name="p" value="x"><button>Go</button></form>` +
		`<div style="background:url(` + remote.URL + `/bg.png)">styled</div>` +
		`<iframe src="` + remote.URL + `/frame"></iframe><p>Please review.</p></body></html>`
	sum := sha256.Sum256([]byte(raw))
	enc, _ := zstd.NewWriter(nil)
	now := time.Now().UTC()
	ctxb := context.Background()
	if _, err := lc.st.UpsertItems(ctxb, []store.QuarantineItem{{TenantID: lc.ten.ID, Identity: `hostile\1`, ReceivedAt: now, ExpiresAt: now.Add(time.Hour),
		Type: "Phish", Sender: "a@evil.example", Recipients: []string{"ana@contoso.example"}, Subject: "hostile", ReleaseStatus: "NotReleased", LastSeenAt: now}}); err != nil {
		t.Fatal(err)
	}
	if _, err := lc.st.StoreMessage(ctxb, store.Message{TenantID: lc.ten.ID, SHA256: sum[:], Size: int64(len(raw)), RawZstd: enc.EncodeAll([]byte(raw), nil), StoredAt: now}, `hostile\1`); err != nil {
		t.Fatal(err)
	}

	type css = chromedp.CSS
	err := chromedp.Do(ctx,
		signIn(lc.url, "ana"),
		chromedp.WaitVisible(css(`svg.trend`)),
		chromedp.Navigate(lc.url+"/t/contoso/quarantine/item?id="+url.QueryEscape(`hostile\1`)),
		chromedp.WaitVisible(css(`iframe.preview`)),
		chromedp.Sleep(1500*time.Millisecond), // let the preview load
	)
	if err != nil {
		t.Fatal(err)
	}
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.pwned`))
	if err != nil {
		t.Fatal(err)
	}
	if pwned != nil {
		t.Fatalf("a script of the message ran in the page: window.pwned = %v", pwned)
	}
	// The preview page on its own, outside the iframe, is just as inert.
	if err := chromedp.Do(ctx, chromedp.Navigate(lc.url+"/t/contoso/quarantine/preview?id="+url.QueryEscape(`hostile\1`)), chromedp.Sleep(time.Second)); err != nil {
		t.Fatal(err)
	}
	if pwned, _ := chromedp.Run(ctx, chromedp.Evaluate[any](`window.pwned`)); pwned != nil {
		t.Fatalf("a script ran in the preview: window.pwned = %v", pwned)
	}
	text, _ := chromedp.Run(ctx, chromedp.Text(css(`body`)))
	if !strings.Contains(text, "Please review.") {
		t.Fatalf("the preview lost the message's text: %q", text)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the remote host received %d requests", n)
	}
}

// TestBrowserConnectionTest configures two tenants against the emulator
// in a real browser and runs the connection test: every step passes for
// the tenant whose setup is complete; for the one whose Exchange role was
// never assigned, the failed step names the Transport Hygiene fix.
func TestBrowserConnectionTest(t *testing.T) {
	t.Parallel()
	ctx := newTab(t)
	c := newConsole(t, storetest.SQLiteURL(t))
	sim := entratest.NewSim(t, m365sim.Options{})
	caFile := entratest.CAFile(t, sim)
	// The console's connection test must reach the emulator: its CA is
	// given in the connection, as a customer of the custom cloud would.
	type css = chromedp.CSS
	if err := chromedp.Do(ctx,
		signIn(c.url, "root"),
		chromedp.WaitVisible(css(`table.list`)),
	); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		slug string
		skip []m365sim.SetupStep
		want []string
	}{
		{"alpha", nil, []string{"every step passed"}},
		{"bravo", []m365sim.SetupStep{m365sim.StepRole}, []string{"a step failed", "Transport Hygiene"}},
	} {
		active, err := c.svc.Active(context.Background(), tc.slug)
		if err != nil {
			t.Fatal(err)
		}
		res, err := sim.Setup(m365sim.SetupOptions{TenantName: tc.slug, Certificate: active.DER, Skip: tc.skip})
		if err != nil {
			t.Fatal(err)
		}
		page := c.url + "/t/" + tc.slug + "/settings/integrations/m365"
		err = chromedp.Do(ctx,
			chromedp.Navigate(page),
			chromedp.WaitVisible(css(`form.connection`)),
			chromedp.SetValue(css(`input[name=app_id]`), res.AppID),
			chromedp.SetValue(css(`input[name=directory_id]`), res.DirectoryID),
			chromedp.SetValue(css(`input[name=organization]`), res.Organization),
			chromedp.SetValue(css(`select[name=cloud]`), "custom"),
			chromedp.SetValue(css(`input[name=authority_url]`), res.AuthorityURL),
			chromedp.SetValue(css(`input[name=exchange_url]`), res.ExchangeURL),
			chromedp.SetValue(css(`input[name=ca_file]`), caFile),
			chromedp.Click(css(`form.connection button[type=submit]`)),
			chromedp.WaitVisible(css(`.flash.ok`)),
			chromedp.Click(css(`#test button[type=submit]`)),
			chromedp.WaitVisible(css(`#test ol.steps`)),
		)
		if err != nil {
			t.Fatalf("%s: %v", tc.slug, err)
		}
		got, err := chromedp.Run(ctx, chromedp.Text(css(`#test`)))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: the connection test does not say %q:\n%s", tc.slug, w, got)
			}
		}
	}
}

// TestBrowserWebhooks: a tenant admin adds a webhook in a real browser, is
// shown its secret once, and queues a test delivery.
func TestBrowserWebhooks(t *testing.T) {
	t.Parallel()
	ctx := newTab(t)
	lc := newLiveConsole(t, storetest.SQLiteURL(t))
	type css = chromedp.CSS
	err := chromedp.Do(ctx,
		signIn(lc.url, "adm"),
		chromedp.WaitVisible(css(`svg.trend`)),
		chromedp.Navigate(lc.url+"/settings/integrations"),
		chromedp.Click(css(`a[href$="/settings/integrations/webhooks"]`)),
		chromedp.WaitVisible(css(`input[name=url]`)),
		chromedp.SendKeys(css(`input[name=url]`), "http://127.0.0.1:9/qtriage"),
		chromedp.SendKeys(css(`input[name=description]`), "SOC SIEM"),
		chromedp.Click(css(`form.connection button[type=submit]`)),
		chromedp.WaitVisible(css(`#secret`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := chromedp.Run(ctx, chromedp.Text(css(`#secret`)))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret shown: %q %v", secret, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css(`#webhooks form[action$="/test"] button`)),
		chromedp.WaitVisible(css(`.flash.ok`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "webhooks")
	page, err := chromedp.Run(ctx, chromedp.Text(css(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page, secret) || !strings.Contains(page, "SOC SIEM") || !strings.Contains(page, "ping") {
		t.Fatalf("after the test delivery the page must list the webhook and the ping, not the secret:\n%s", page)
	}
}

// TestBrowserDetectionSettings: a tenant admin goes from the tenant's page
// to its detection settings in a real browser, saves a partner domain and
// sees it as stored.
func TestBrowserDetectionSettings(t *testing.T) {
	t.Parallel()
	ctx := newTab(t)
	c := newConsole(t, storetest.SQLiteURL(t))
	type css = chromedp.CSS
	err := chromedp.Do(ctx,
		signIn(c.url, "alice"),
		chromedp.WaitVisible(css(`#detection a[href$="/settings/detection"]`)),
		chromedp.Click(css(`#detection a[href$="/settings/detection"]`)),
		chromedp.WaitVisible(css(`textarea[name=partners]`)),
		chromedp.SendKeys(css(`textarea[name=partners]`), "Fabrikam.COM\n"),
		chromedp.Click(css(`form.detection button[type=submit]`)),
		chromedp.WaitVisible(css(`.flash.ok`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "detection")
	partners, err := chromedp.Run(ctx, chromedp.Value(css(`textarea[name=partners]`)))
	if err != nil || partners != "fabrikam.com" {
		t.Fatalf("partners after saving: %q %v", partners, err)
	}
	alpha, _ := c.st.Tenant(context.Background(), "alpha")
	if d, _ := c.st.DetectionSettings(context.Background(), alpha.ID); len(d.Partners) != 1 || d.Partners[0] != "fabrikam.com" {
		t.Fatalf("stored: %+v", d)
	}
}

// signIn signs user in through the login page of the console at base.
func signIn(base, user string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Submit(chromedp.CSS(`input[name=password]`)),
	)
}
