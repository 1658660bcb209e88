package web_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
		chromedp.Navigate(lc.url+"/login"),
		chromedp.SendKeys(css(`input[name=username]`), "ana"),
		chromedp.SendKeys(css(`input[name=password]`), testPassword),
		chromedp.Submit(css(`input[name=password]`)),
		chromedp.WaitVisible(css(`svg.trend`)),
		chromedp.Navigate(lc.url+"/t/contoso/quarantine"),
		chromedp.SetValue(css(`select[name=verdict]`), "malicious"),
		chromedp.Submit(css(`select[name=verdict]`)),
		chromedp.WaitVisible(css(`tr.verdict-malicious a`)),
		chromedp.Click(css(`tr.verdict-malicious a`)),
		chromedp.WaitVisible(css(`.badge.big`)),
	)
	if err != nil {
		t.Fatal(err)
	}
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
