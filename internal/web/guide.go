package web

import (
	"fmt"

	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// guideStep is one step of the customer's setup guide, with the tenant's own
// values filled in wherever it has them.
type guideStep struct {
	Title string
	Text  []string
	Code  []string
}

// exchangeManageAsApp is the app role the connection needs (resource
// "Office 365 Exchange Online", 00000002-0000-0ff1-ce00-000000000000).
const exchangeManageAsApp = "dc50a0fb-09a3-484d-be87-e023b12c6440"

// setupGuide follows the shared reference's setup section in the order the
// customer works through the Entra and Exchange admin tools.
func setupGuide(t store.Tenant, active *tenant.CertInfo, certFile string) []guideStep {
	appID, org, dir := "<Application (client) ID>", "<yourtenant.onmicrosoft.com>", "<Directory (tenant) ID>"
	if c := t.Connection; c != nil {
		appID, org, dir = c.AppID, c.Organization, c.DirectoryID
	}
	thumb := "(create the tenant certificate first)"
	if active != nil {
		thumb = active.SHA1Thumbprint
	}
	return []guideStep{
		{
			Title: "Register an app and upload the certificate",
			Text: []string{
				"In the Microsoft Entra admin center, open App registrations → New registration; name it qtriage, single tenant, no redirect URI.",
				fmt.Sprintf("In the app, open Certificates & secrets → Certificates → Upload certificate, and upload %s (downloaded above), description “qtriage”. The portal then lists thumbprint %s: it must match exactly.", certFile, thumb),
				"From the app's Overview page, copy the Application (client) ID and the Directory (tenant) ID into the form above.",
			},
		},
		{
			Title: "Grant Exchange.ManageAsApp with admin consent",
			Text: []string{
				"In the app, open API permissions → Add a permission → APIs my organization uses → “Office 365 Exchange Online” → Application permissions → Exchange.ManageAsApp → Add permissions.",
				"Then click “Grant admin consent for …”. Without the consent, tokens are issued but Exchange answers 401.",
			},
		},
		{
			Title: "Give the app the Transport Hygiene role in Exchange Online",
			Text: []string{
				"Run these lines in PowerShell as an Exchange administrator. The -ObjectId is the enterprise application's (service principal's) object id, not the app registration's; the first lines look it up.",
			},
			Code: []string{
				"Connect-MgGraph -Scopes 'Application.Read.All'\n" +
					fmt.Sprintf("$sp = Get-MgServicePrincipal -Filter \"AppId eq '%s'\"\n", appID) +
					"$sp.Id",
				fmt.Sprintf("Connect-ExchangeOnline -Organization '%s'\n", org) +
					fmt.Sprintf("New-ServicePrincipal -AppId '%s' -ObjectId $sp.Id -DisplayName 'qtriage'\n", appID) +
					"New-ManagementRoleAssignment -App $sp.Id -Role 'Transport Hygiene'",
			},
		},
		{
			Title: "Enter the Organization ID",
			Text: []string{
				"In Entra ID → Custom domain names, the domain ending in .onmicrosoft.com is the Organization ID (" + org + "). A vanity domain such as contoso.com does not work here.",
				"Directory (tenant) ID in use: " + dir + ". The app role qtriage needs is Exchange.ManageAsApp (" + exchangeManageAsApp + ").",
			},
		},
	}
}
