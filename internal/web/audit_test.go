package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qtriage/qtriage/internal/store"
)

// A spreadsheet must not run what an attacker put in a subject-derived or
// user-typed field of the audit trail.
func TestAuditCSVNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	evs := []store.AuditEvent{{At: time.Unix(0, 0), Actor: "=HYPERLINK(\"http://x.example\")", Action: "verdict.override",
		Identities: []string{"a\\b"}, Options: map[string]string{"note": "+1 looks fine"}, Outcome: store.AuditOK, Detail: "@SUM(A1)"}}
	if err := writeAuditCSV(rec, "contoso", evs); err != nil {
		t.Fatal(err)
	}
	body := rec.Body.String()
	for _, want := range []string{`'=HYPERLINK`, `'@SUM(A1)`, `note=+1 looks fine`} {
		if !strings.Contains(body, want) {
			t.Errorf("CSV lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, ",=HYPERLINK") || strings.Contains(body, ",\"=HYPERLINK") {
		t.Errorf("a formula survived:\n%s", body)
	}
}
