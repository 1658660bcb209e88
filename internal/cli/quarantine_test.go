package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/entra/entratest"
	"github.com/qtriage/qtriage/internal/m365sim"
)

// simTenant creates tenant slug in qtriage, walks the setup guide in the
// sim with its certificate (leaving out skip) and connects it.
func simTenant(t *testing.T, e *env, sim *m365sim.Sim, slug string, skip ...m365sim.SetupStep) m365sim.SetupResult {
	t.Helper()
	e.ok("tenant", "create", slug)
	res, err := sim.Setup(m365sim.SetupOptions{TenantName: slug + "-" + strings.ToLower(filepath.Base(t.Name())),
		Certificate: pemOfActiveCert(t, e, slug), Skip: skip})
	if err != nil {
		t.Fatal(err)
	}
	e.ok("tenant", "connect", slug, "--app-id", res.AppID, "--directory-id", res.DirectoryID, "--organization", res.Organization,
		"--cloud", "custom", "--authority-url", res.AuthorityURL, "--exchange-url", res.ExchangeURL, "--ca-file", entratest.CAFile(t, sim))
	return res
}

type stepJSON struct {
	ID, Title, Status, Observed, Step, Fix string
}

type reportJSON struct {
	OK    bool       `json:"ok"`
	Steps []stepJSON `json:"steps"`
}

func TestConnectTest(t *testing.T) {
	sim := entratest.NewSim(t, m365sim.Options{})
	backends(t, func(t *testing.T, e *env) {
		res := simTenant(t, e, sim, "contoso")
		if _, err := sim.AddMessage(res.DirectoryID, []byte("From: a@evil.example\r\nTo: u@x.example\r\nSubject: s\r\n\r\nb\r\n"), m365sim.MessageMeta{Type: m365sim.TypeMalware}); err != nil {
			t.Fatal(err)
		}
		rep := decodeJSON[reportJSON](t, e.ok("connect", "test", "contoso", "--json"))
		if !rep.OK || len(rep.Steps) != 7 || rep.Steps[6].Observed != "1 messages in quarantine: Malware 1" {
			t.Fatalf("%+v", rep)
		}
		if out := e.ok("connect", "test", "contoso"); !strings.Contains(out, "result: OK") || !strings.Contains(out, "[OK] Entra ID issues a token") {
			t.Fatalf("text report:\n%s", out)
		}

		// The role assignment is missing: the read check names step 3 and
		// gives the PowerShell lines with this tenant's values.
		bad := simTenant(t, e, sim, "fabrikam", m365sim.StepRole)
		code, out, errs := e.run("connect", "test", "fabrikam", "--json")
		if code == 0 {
			t.Fatalf("connect test passed without a role:\n%s", out)
		}
		rep = decodeJSON[reportJSON](t, out)
		read := rep.Steps[4]
		if rep.OK || read.ID != "read" || read.Status != "failed" || !strings.HasPrefix(read.Step, "3.") ||
			!strings.Contains(read.Fix, "New-ServicePrincipal -AppId '"+bad.AppID+"'") || !strings.Contains(read.Fix, "Connect-ExchangeOnline -Organization '"+bad.Organization+"'") {
			t.Fatalf("read step %+v", read)
		}
		if !strings.Contains(errs, "failed at") {
			t.Errorf("stderr: %s", errs)
		}
		e.fails("not found", "quarantine", "list", "nosuch")
		e.ok("tenant", "create", "loose")
		e.fails("no Microsoft 365 connection", "quarantine", "list", "loose")
		if rep := decodeJSON[reportJSON](t, e.runOut("connect", "test", "loose", "--json")); rep.OK || rep.Steps[0].Status != "failed" || rep.Steps[1].Status != "skipped" {
			t.Errorf("unconnected tenant: %+v", rep)
		}
	})
}

func TestQuarantineCommands(t *testing.T) {
	sim := entratest.NewSim(t, m365sim.Options{})
	backends(t, func(t *testing.T, e *env) {
		res := simTenant(t, e, sim, "contoso")
		raws := map[string][]byte{}
		for i, typ := range []m365sim.QuarantineType{m365sim.TypePhish, m365sim.TypeSpam, m365sim.TypePhish, m365sim.TypeMalware} {
			raw := fmt.Appendf(nil, "From: s%d@evil.example\r\nTo: u%d@contoso.example\r\nSubject: Subject \x1b[31m%d\r\nMessage-ID: <%d@evil.example>\r\n\r\nBody %d\r\n", i, i, i, i, i)
			items, err := sim.AddMessage(res.DirectoryID, raw, m365sim.MessageMeta{Type: typ, Received: time.Now().Add(-time.Duration(i+1) * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			raws[items[0].Identity()] = raw
		}
		type row struct {
			Identity      string `json:"identity"`
			Type          string `json:"type"`
			ReleaseStatus string `json:"release_status"`
			SenderAddress string `json:"sender_address"`
		}
		phish := decodeJSON[[]row](t, e.ok("quarantine", "list", "contoso", "--type", "phish", "--json"))
		if len(phish) != 2 || phish[0].Type != "Phish" || phish[1].Type != "Phish" || phish[0].ReleaseStatus != "NotReleased" {
			t.Fatalf("list --type phish: %+v", phish)
		}
		one := decodeJSON[[]row](t, e.ok("quarantine", "list", "contoso", "--sender", "s3@evil.example", "--from", time.Now().AddDate(0, 0, -2).Format(time.DateOnly), "--json"))
		if len(one) != 1 || one[0].SenderAddress != "s3@evil.example" {
			t.Fatalf("list --sender: %+v", one)
		}
		if out := e.ok("quarantine", "list", "contoso"); strings.Contains(out, "\x1b") || strings.Count(out, "\n") != 5 {
			t.Fatalf("list (escape sequences must not reach the terminal):\n%q", out)
		}
		e.fails("--type \"nope\"", "quarantine", "list", "contoso", "--type", "nope")

		id := phish[0].Identity
		file := filepath.Join(t.TempDir(), "m.eml")
		e.ok("quarantine", "export", "contoso", id, "-o", file)
		if got, err := os.ReadFile(file); err != nil || string(got) != string(raws[id]) {
			t.Fatalf("export to a file differs from the ground truth: %q %v", got, err)
		}
		if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
			t.Errorf("export mode %v", fi.Mode())
		}
		if out := e.ok("quarantine", "export", "contoso", id); out != string(raws[id]) {
			t.Fatalf("export to stdout differs")
		}
		if out := e.ok("quarantine", "preview", "contoso", id); !strings.Contains(out, "Body") || strings.Contains(out, "\x1b") {
			t.Fatalf("preview:\n%q", out)
		}
		if out := e.ok("quarantine", "header", "contoso", id); !strings.Contains(out, "Message-ID:") || strings.Contains(out, "Body") {
			t.Fatalf("header:\n%s", out)
		}
		e.fails("not found", "quarantine", "export", "contoso", "11111111-1111-1111-1111-111111111111\\22222222-2222-2222-2222-222222222222")

		// Without --yes nothing happens and nothing is audited.
		code, _, errs := e.run("quarantine", "release", "contoso", id, "--to-all")
		if code == 0 || !strings.Contains(errs, "would release 1 message(s)") || !strings.Contains(errs, "--yes") {
			t.Fatalf("release without --yes: exit %d\n%s", code, errs)
		}
		e.fails("--to-all or --user", "quarantine", "release", "contoso", id, "--yes")
		if st := itemState(t, sim, res.DirectoryID, id); st == nil || st.ReleaseStatus != m365sim.StatusNotReleased {
			t.Fatalf("released without --yes: %+v", st)
		}
		e.vars["USER"] = "alice"
		e.ok("quarantine", "release", "contoso", id, "--to-all", "--report-false-positive", "--yes")
		if st := itemState(t, sim, res.DirectoryID, id); st == nil || st.ReleaseStatus != m365sim.StatusReleased || !st.Reported {
			t.Fatalf("after release: %+v", st)
		}
		e.fails("already been released", "quarantine", "release", "contoso", id, "--to-all", "--yes")

		other := phish[1].Identity
		code, _, _ = e.run("quarantine", "delete", "contoso", other, "--hard")
		if code == 0 || itemState(t, sim, res.DirectoryID, other) == nil {
			t.Fatal("deleted without --yes")
		}
		delete(e.vars, "USER")
		e.ok("quarantine", "delete", "contoso", other, "--hard", "--yes")
		if itemState(t, sim, res.DirectoryID, other) != nil {
			t.Fatal("item still in quarantine after delete")
		}

		if out := e.ok("quarantine", "audit", "contoso"); strings.Count(out, "quarantine.") != 3 || !strings.Contains(out, "cli:alice") {
			t.Errorf("quarantine audit:\n%s", out)
		}
		if js := decodeJSON[[]map[string]any](t, e.ok("quarantine", "audit", "contoso", "--json", "--limit", "1")); len(js) != 1 || js[0]["action"] != "quarantine.delete" {
			t.Errorf("quarantine audit --json --limit 1: %v", js)
		}

		// The audit log, newest first.
		st := e.openStore()
		tn, err := st.Tenant(context.Background(), "contoso")
		if err != nil {
			t.Fatal(err)
		}
		evs, err := st.AuditEvents(context.Background(), tn.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 3 {
			js, _ := json.MarshalIndent(evs, "", " ")
			t.Fatalf("%d audit events:\n%s", len(evs), js)
		}
		del, failed, rel := evs[0], evs[1], evs[2]
		if del.Action != "quarantine.delete" || del.Actor != "cli" || del.Outcome != "ok" || del.Options["hard"] != "true" || del.Identities[0] != other {
			t.Errorf("delete event %+v", del)
		}
		if failed.Action != "quarantine.release" || failed.Outcome != "failed" || !strings.Contains(failed.Detail, "already been released") {
			t.Errorf("failed release event %+v", failed)
		}
		if rel.Actor != "cli:alice" || rel.Outcome != "ok" || rel.Options["to_all"] != "true" || rel.Options["report_false_positive"] != "true" || rel.Identities[0] != id {
			t.Errorf("release event %+v", rel)
		}
	})
}

// runOut runs qtriage and returns its stdout, whatever the exit code.
func (e *env) runOut(args ...string) string {
	e.t.Helper()
	_, out, _ := e.run(args...)
	return out
}

func itemState(t *testing.T, sim *m365sim.Sim, tenant, id string) *m365sim.QuarantineItem {
	t.Helper()
	items, err := sim.Quarantine(tenant)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Identity() == id {
			return &it
		}
	}
	return nil
}
