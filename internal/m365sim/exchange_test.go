package m365sim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// tokenFor gets an access token for a set-up app the way MSAL would.
func tokenFor(t testing.TB, s *Sim, res SetupResult, c testCert) string {
	t.Helper()
	return postToken(t, s, res.DirectoryID, tokenForm(res.AppID, makeAssertion(t, defaultAssertion(s, res.DirectoryID, res.AppID, c)))).accessToken(t)
}

func emlN(i int, recipients ...string) []byte {
	if len(recipients) == 0 {
		recipients = []string{"alice@contoso.com"}
	}
	return []byte(fmt.Sprintf("From: sender%d@evil.example\r\nTo: %s\r\nSubject: Message %d\r\nMessage-ID: <m%d@evil.example>\r\n\r\nbody %d\r\n",
		i, strings.Join(recipients, ", "), i, i, i))
}

func TestGetQuarantineMessage(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{})
	c := validCert(t)
	res := setupTenant(t, s, "getq", c)
	tok := tokenFor(t, s, res, c)
	now := s.now()
	for i := range 5 {
		if _, err := s.AddMessage(res.DirectoryID, emlN(i), MessageMeta{Received: now.Add(-time.Duration(i) * time.Hour), Type: TypeSpam}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddMessage(res.DirectoryID, emlN(10), MessageMeta{Received: now.Add(-20 * 24 * time.Hour), Type: TypeMalware}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMessage(res.DirectoryID, emlN(11), MessageMeta{Received: now.Add(-31 * 24 * time.Hour), Type: TypeMalware}); err != nil {
		t.Fatal(err)
	}
	multi, err := s.AddMessage(res.DirectoryID, []byte(sampleEML), MessageMeta{Received: now.Add(-30 * time.Minute), Type: TypeHighConfPhish, RecipientTag: []string{"Priority Account"}})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ok/row shape", func(t *testing.T) {
		r := invoke(t, s, res.Organization, tok, "Get-QuarantineMessage", map[string]any{"PageSize": 1, "MessageId": "<abc123@paypa1-login.top>"})
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if !strings.Contains(string(r.body), `"@odata.context":"`+s.URL()+`/adminapi/beta/`+res.Organization+`/$metadata#Collection(Exchange.GenericHashTable)"`) ||
			!strings.Contains(string(r.body), `"@adminapi.warnings":[]`) {
			t.Errorf("envelope: %s", r.body)
		}
		row := r.rows(t)[0]
		if !regexp.MustCompile(`^[0-9a-f-]{36}\\[0-9a-f-]{36}$`).MatchString(row["Identity"].(string)) {
			t.Errorf("identity %v", row["Identity"])
		}
		want := map[string]any{
			"ReleaseStatus": "NOTRELEASED", "Type": "High Confidence Phish", "QuarantineTypes": "HighConfPhish",
			"ReceivedTime@data.type": "System.DateTime", "Organization": res.DirectoryID, "Direction": "Inbound",
			"EntityType": "Email", "SenderAddress": "service@paypa1-login.top", "Subject": "Your account is limited",
			"MessageId": "<abc123@paypa1-login.top>", "Released": false,
		}
		for k, v := range want {
			if row[k] != v {
				t.Errorf("%s = %v, want %v", k, row[k], v)
			}
		}
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$`).MatchString(row["ReceivedTime"].(string)) {
			t.Errorf("ReceivedTime %v", row["ReceivedTime"])
		}
	})
	t.Run("ok/one item per recipient sharing the first GUID", func(t *testing.T) {
		if len(multi) != 2 || multi[0].MessageGUID != multi[1].MessageGUID || multi[0].RecipientGUID == multi[1].RecipientGUID {
			t.Fatalf("items %+v", multi)
		}
	})
	t.Run("ok/default window and paging newest first", func(t *testing.T) {
		var got []string
		for page := 1; ; page++ {
			rows := invoke(t, s, res.Organization, tok, "Get-QuarantineMessage", map[string]any{"Page": page, "PageSize": 3}).rows(t)
			for _, row := range rows {
				got = append(got, row["Subject"].(string))
			}
			if len(rows) < 3 {
				break
			}
		}
		want := []string{"Message 0", "Your account is limited", "Your account is limited", "Message 1", "Message 2", "Message 3", "Message 4"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("ok/explicit window reaches 20 days but never past 30", func(t *testing.T) {
		rows := invoke(t, s, res.Organization, tok, "Get-QuarantineMessage", map[string]any{
			"StartReceivedDate": now.Add(-40 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05"),
			"EndReceivedDate":   now.UTC().Add(time.Minute).Format("2006-01-02T15:04:05"),
			"QuarantineTypes":   []string{"Malware"},
		}).rows(t)
		if len(rows) != 1 || rows[0]["Subject"] != "Message 10" {
			t.Errorf("rows %v", rows)
		}
	})
	filters := []struct {
		name   string
		params map[string]any
		want   int
	}{
		{"sender", map[string]any{"SenderAddress": []string{"SENDER1@evil.example"}}, 1},
		{"recipient", map[string]any{"RecipientAddress": []string{"bob@contoso.com"}}, 1},
		{"subject", map[string]any{"Subject": "message"}, 5},
		{"message id", map[string]any{"MessageId": "<m2@evil.example>"}, 1},
		{"type", map[string]any{"QuarantineTypes": []string{"HighConfPhish", "Phish"}}, 2},
		{"release status", map[string]any{"ReleaseStatus": []string{"Released"}}, 0},
		{"recipient tag", map[string]any{"RecipientTag": []string{"priority account"}}, 2},
		{"direction", map[string]any{"Direction": "Outbound"}, 0},
		{"policy type", map[string]any{"PolicyTypes": []string{"HostedContentFilterPolicy"}}, 7},
		{"reported", map[string]any{"Reported": false}, 7},
		{"entity type", map[string]any{"EntityType": "Email"}, 7},
	}
	for _, f := range filters {
		t.Run("ok/filter "+f.name, func(t *testing.T) {
			r := invoke(t, s, res.Organization, tok, "Get-QuarantineMessage", f.params)
			if got := len(r.rows(t)); got != f.want {
				t.Errorf("%d rows, want %d: %s", got, f.want, r.body)
			}
		})
	}
	errs := []struct {
		name   string
		cmdlet string
		params map[string]any
		status int
		text   string
	}{
		{"unknown parameter", "Get-QuarantineMessage", map[string]any{"Foo": 1}, 400, "A parameter cannot be found that matches parameter name 'Foo'."},
		{"page size too small", "Get-QuarantineMessage", map[string]any{"PageSize": 0}, 400, "less than the minimum allowed range of 1"},
		{"page size too big", "Get-QuarantineMessage", map[string]any{"PageSize": 1001}, 400, "greater than the maximum allowed range of 1000"},
		{"page too big", "Get-QuarantineMessage", map[string]any{"Page": 1001}, 400, "Page"},
		{"invalid enum", "Get-QuarantineMessage", map[string]any{"QuarantineTypes": []string{"Nope"}}, 400, "Spam, TransportRule, Bulk, Phish, HighConfPhish, Malware"},
		{"invalid release status", "Get-QuarantineMessage", map[string]any{"ReleaseStatus": "Nope"}, 400, "NotReleased"},
		{"bad date", "Get-QuarantineMessage", map[string]any{"StartReceivedDate": "yesterday"}, 400, "System.DateTime"},
		{"unknown identity", "Get-QuarantineMessage", map[string]any{"Identity": newGUID() + `\` + newGUID()}, 404, "ManagementObjectNotFoundException|The operation couldn't be performed because object"},
		{"invalid identity", "Export-QuarantineMessage", map[string]any{"Identity": "nope"}, 400, "is not valid. Please input a valid message identity"},
		{"identities without identity", "Export-QuarantineMessage", map[string]any{"Identities": []string{multi[0].Identity()}}, 400, "missing mandatory parameters: Identity"},
		{"release ambiguous", "Release-QuarantineMessage", map[string]any{"Identity": multi[0].Identity(), "ReleaseToAll": true, "User": []string{"a@b.c"}}, 400, "AmbiguousParameterSetException|Parameter set cannot be resolved"},
		{"release unknown identity", "Release-QuarantineMessage", map[string]any{"Identity": newGUID() + `\` + newGUID(), "ReleaseToAll": true}, 404, "Cannot find an object with identity"},
	}
	for _, e := range errs {
		t.Run("error/"+e.name, func(t *testing.T) {
			r := invoke(t, s, res.Organization, tok, e.cmdlet, e.params)
			if r.status != e.status {
				t.Fatalf("status %d, want %d: %s", r.status, e.status, r.body)
			}
			if d := r.detail(t); !strings.Contains(d, e.text) {
				t.Errorf("detail %q lacks %q", d, e.text)
			}
			if e.status == 400 {
				for _, part := range []string{`"code":"BadRequest"`, `"message":"Invalid Operation"`, `"innererror":`, `"internalexception":`} {
					if !strings.Contains(string(r.body), part) {
						t.Errorf("envelope lacks %s: %s", part, r.body)
					}
				}
			}
		})
	}
	t.Run("error/unknown cmdlet is 403", func(t *testing.T) {
		r := invoke(t, s, res.Organization, tok, "Get-Mailbox", nil)
		if r.status != http.StatusForbidden {
			t.Fatalf("status %d", r.status)
		}
	})
}

func TestExportPreviewHeaderReleaseDelete(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{StateDir: t.TempDir()})
	c := validCert(t)
	res := setupTenant(t, s, "actions", c)
	tok := tokenFor(t, s, res, c)
	items := seedOne(t, s, res.DirectoryID)
	id := items[0].Identity()
	org := res.Organization

	r := invoke(t, s, org, tok, "Export-QuarantineMessage", map[string]any{"Identity": id})
	if r.status != 200 {
		t.Fatalf("export %d: %s", r.status, r.body)
	}
	row := r.rows(t)[0]
	eml, err := base64.StdEncoding.DecodeString(row["Eml"].(string))
	if err != nil || string(eml) != sampleEML || row["BodyEncoding"] != "Base64" || row["Identity"] != id {
		t.Errorf("export row %v", row)
	}
	r = invoke(t, s, org, tok, "Export-QuarantineMessage", map[string]any{"Identity": "000", "Identities": []string{items[0].Identity(), items[1].Identity()}})
	if r.status != 200 || len(r.rows(t)) != 2 {
		t.Errorf("export identities %d: %s", r.status, r.body)
	}
	r = invoke(t, s, org, tok, "Preview-QuarantineMessage", map[string]any{"Identity": id})
	if r.status != 200 || !strings.Contains(r.rows(t)[0]["Body"].(string), "paypa1-login.top") {
		t.Errorf("preview %d: %s", r.status, r.body)
	}
	r = invoke(t, s, org, tok, "Get-QuarantineMessageHeader", map[string]any{"Identity": id})
	hdr, _ := r.rows(t)[0]["Header"].(string)
	if r.status != 200 || !strings.Contains(hdr, "Subject: Your account is limited\r\n") || strings.Contains(hdr, "<p>") {
		t.Errorf("header %d: %q", r.status, hdr)
	}

	release := func(extra map[string]any) invokeResult {
		p := map[string]any{"Identity": id, "ReleaseToAll": true}
		for k, v := range extra {
			p[k] = v
		}
		return invoke(t, s, org, tok, "Release-QuarantineMessage", p)
	}
	if r := release(nil); r.status != 200 || len(r.rows(t)) != 0 {
		t.Fatalf("release %d: %s", r.status, r.body)
	}
	rows := invoke(t, s, org, tok, "Get-QuarantineMessage", map[string]any{"Identity": id}).rows(t)
	if rows[0]["ReleaseStatus"] != "RELEASED" || rows[0]["Released"] != true {
		t.Errorf("after release: %v", rows[0]["ReleaseStatus"])
	}
	if r := release(nil); r.status != 400 || !strings.Contains(r.detail(t), "already been released") {
		t.Errorf("second release %d: %s", r.status, r.body)
	}
	if r := release(map[string]any{"Force": true}); r.status != 200 {
		t.Errorf("forced release %d: %s", r.status, r.body)
	}
	if r := invoke(t, s, org, tok, "Release-QuarantineMessage", map[string]any{"Identity": "000", "Identities": []string{items[1].Identity()}, "ActionType": "Deny"}); r.status != 200 {
		t.Errorf("deny %d: %s", r.status, r.body)
	}
	if got, _ := s.Quarantine(res.DirectoryID); got[0].ReleaseStatus != StatusDenied && got[1].ReleaseStatus != StatusDenied {
		t.Errorf("deny not applied: %+v", got)
	}

	if r := invoke(t, s, org, tok, "Delete-QuarantineMessage", map[string]any{"Identity": id, "HardDelete": true, "Confirm": false}); r.status != 200 {
		t.Fatalf("delete %d: %s", r.status, r.body)
	}
	if r := invoke(t, s, org, tok, "Export-QuarantineMessage", map[string]any{"Identity": id}); r.status != 404 {
		t.Errorf("export after delete %d", r.status)
	}
	if r := invoke(t, s, org, tok, "Delete-QuarantineMessage", map[string]any{"Identity": id}); r.status != 404 {
		t.Errorf("second delete %d", r.status)
	}

	// An item past Expires disappears, and releasing it says it expired.
	old, err := s.AddMessage(res.DirectoryID, emlN(1), MessageMeta{Received: time.Now().Add(-31 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if r := invoke(t, s, org, tok, "Get-QuarantineMessage", map[string]any{"Identity": old[0].Identity()}); r.status != 404 {
		t.Errorf("expired item listed: %d", r.status)
	}
	r = invoke(t, s, org, tok, "Release-QuarantineMessage", map[string]any{"Identity": old[0].Identity(), "ReleaseToAll": true})
	if r.status != 400 || !strings.Contains(r.detail(t), "has expired") {
		t.Errorf("release expired %d: %s", r.status, r.body)
	}
}

func TestExchangeAdminCmdlets(t *testing.T) {
	t.Parallel()
	s := newTestSim(t, Options{})
	c := validCert(t)
	admin := setupTenant(t, s, "fabrikam", c, StepSP)
	if _, err := s.AssignDirectoryRole(admin.DirectoryID, admin.AppID, "Exchange Administrator"); err != nil {
		t.Fatal(err)
	}
	adminTok := tokenFor(t, s, admin, c)
	worker, err := s.Setup(SetupOptions{TenantName: "fabrikam", AppName: "worker", Certificate: c.pem, Skip: []SetupStep{StepSP}})
	if err != nil {
		t.Fatal(err)
	}
	app, err := s.App(worker.DirectoryID, worker.AppID)
	if err != nil {
		t.Fatal(err)
	}
	workerTok := tokenFor(t, s, worker, c)
	org := admin.Organization
	if r := invoke(t, s, org, workerTok, "Get-QuarantineMessage", nil); r.status != 403 {
		t.Fatalf("before New-ServicePrincipal: %d", r.status)
	}
	if r := invoke(t, s, org, workerTok, "New-ServicePrincipal", map[string]any{"AppId": app.AppID, "ObjectId": app.ServicePrincipalID}); r.status != 403 {
		t.Fatalf("non-admin may run New-ServicePrincipal: %d", r.status)
	}
	r := invoke(t, s, org, adminTok, "New-ServicePrincipal", map[string]any{"AppId": app.AppID, "ObjectId": app.ServicePrincipalID, "DisplayName": "qtriage"})
	if r.status != 200 || r.rows(t)[0]["ObjectId"] != app.ServicePrincipalID {
		t.Fatalf("New-ServicePrincipal %d: %s", r.status, r.body)
	}
	if r := invoke(t, s, org, adminTok, "Get-ServicePrincipal", nil); len(r.rows(t)) != 1 {
		t.Errorf("Get-ServicePrincipal: %s", r.body)
	}
	r = invoke(t, s, org, adminTok, "New-ManagementRoleAssignment", map[string]any{"App": app.ServicePrincipalID, "Role": "Transport Hygiene"})
	if r.status != 200 {
		t.Fatalf("New-ManagementRoleAssignment %d: %s", r.status, r.body)
	}
	name := r.rows(t)[0]["Name"].(string)
	if r := invoke(t, s, org, workerTok, "Get-QuarantineMessage", nil); r.status != 200 {
		t.Errorf("after role assignment: %d", r.status)
	}
	if r := invoke(t, s, org, adminTok, "Get-ManagementRoleAssignment", map[string]any{"RoleAssignee": app.ServicePrincipalID}); len(r.rows(t)) != 1 {
		t.Errorf("Get-ManagementRoleAssignment: %s", r.body)
	}
	if r := invoke(t, s, org, adminTok, "Remove-ManagementRoleAssignment", map[string]any{"Identity": name, "Confirm": false}); r.status != 200 {
		t.Errorf("Remove-ManagementRoleAssignment %d: %s", r.status, r.body)
	}
	if r := invoke(t, s, org, workerTok, "Get-QuarantineMessage", nil); r.status != 403 {
		t.Errorf("after removal: %d", r.status)
	}
	// The app registration's object id instead of the enterprise app's: the
	// role assignment never matches the token.
	wrong, err := s.Setup(SetupOptions{TenantName: "fabrikam", AppName: "wrong", Certificate: c.pem, Skip: []SetupStep{StepSP}})
	if err != nil {
		t.Fatal(err)
	}
	wapp, _ := s.App(wrong.DirectoryID, wrong.AppID)
	invoke(t, s, org, adminTok, "New-ServicePrincipal", map[string]any{"AppId": wapp.AppID, "ObjectId": wapp.ObjectID})
	if r := invoke(t, s, org, adminTok, "New-ManagementRoleAssignment", map[string]any{"App": wapp.ObjectID, "Role": "Transport Hygiene"}); r.status != 200 {
		t.Fatalf("assignment %d", r.status)
	}
	if r := invoke(t, s, org, tokenFor(t, s, wrong, c), "Get-QuarantineMessage", nil); r.status != 403 {
		t.Errorf("wrong object id: %d", r.status)
	}
}

func TestExchangeTokenChecks(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newTestSim(t, Options{Now: clock})
	c := validCert(t)
	a := setupTenant(t, s, "tenanta", c)
	b := setupTenant(t, s, "tenantb", c)
	tokA := tokenFor(t, s, a, c)
	cases := []struct {
		name  string
		org   string
		token string
	}{
		{"error/no token", a.Organization, ""},
		{"error/garbage token", a.Organization, "abc.def.ghi"},
		{"error/other tenant's token", b.Organization, tokA},
		{"error/tampered token", a.Organization, tokA[:len(tokA)-4] + "AAAA"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := invoke(t, s, tc.org, tc.token, "Get-QuarantineMessage", nil)
			if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("status %d %v", r.status, r.header)
			}
		})
	}
	if r := invoke(t, s, a.Organization, tokA, "Get-QuarantineMessage", nil); r.status != 200 {
		t.Fatalf("fresh token: %d", r.status)
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if r := invoke(t, s, a.Organization, tokA, "Get-QuarantineMessage", nil); r.status != http.StatusUnauthorized {
		t.Errorf("expired token: %d", r.status)
	}
}
