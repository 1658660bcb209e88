package main

import "strings"

func dsn(boundary string) (string, string) {
	orig := strings.Join([]string{
		"Return-Path: <megan.bowen@contoso.example>",
		"From: Megan Bowen <megan.bowen@contoso.example>",
		"To: Sam Taylor <sam.taylor@wingtiptoys.example>",
		"Subject: Contract draft for review",
		"Date: Thu, 19 Mar 2026 15:02:11 +0000",
		"Message-ID: <SA1PR19MB5521A7F0C3D2E18B9F2C3D44A1C2A@SA1PR19MB5521.namprd19.prod.outlook.example>",
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=\"us-ascii\"",
	}, crlf)
	ds := strings.Join([]string{
		"Reporting-MTA: dns; mx1.wingtiptoys.example",
		"X-Postfix-Queue-ID: 4Q8c2R1kTzz9",
		"Arrival-Date: Thu, 19 Mar 2026 15:02:14 +0000",
		"",
		"Final-Recipient: rfc822; sam.taylor@wingtiptoys.example",
		"Original-Recipient: rfc822;sam.taylor@wingtiptoys.example",
		"Action: failed",
		"Status: 5.1.1",
		"Diagnostic-Code: smtp; 550 5.1.1 <sam.taylor@wingtiptoys.example>: Recipient address rejected: User unknown in local recipient table",
	}, crlf)
	text := strings.Join([]string{
		"This is the mail system at host mx1.wingtiptoys.example.",
		"",
		"I'm sorry to have to inform you that your message could not",
		"be delivered to one or more recipients. It's attached below.",
		"",
		"For further assistance, please send mail to postmaster.",
		"",
		"                   The mail system",
		"",
		"<sam.taylor@wingtiptoys.example>: host mailstore.wingtiptoys.example[192.0.2.25]",
		"    said: 550 5.1.1 User unknown (in reply to RCPT TO command)",
	}, crlf)
	body := multipart("multipart/report; report-type=delivery-status", boundary, []string{
		"Content-Description: Notification" + crlf + "Content-Type: text/plain; charset=us-ascii" + crlf + crlf + text + crlf,
		"Content-Description: Delivery report" + crlf + "Content-Type: message/delivery-status" + crlf + crlf + ds + crlf,
		"Content-Description: Undelivered Message Headers" + crlf + "Content-Type: text/rfc822-headers" + crlf + crlf + orig + crlf,
	})
	return "", body
}

func benign() []*M {
	colleagueICS := ics("REQUEST", "Q2 planning sync", nestor, "Nestor Wilke", []string{megan, adele, diego},
		"Agenda: Q2 priorities, hiring plan, budget check. Notes will be in the team OneNote. Join: https://meet.contoso.example/j/4471-8823",
		"https://meet.contoso.example/j/4471-8823", "20260402T140000Z", "20260402T150000Z", "040000008200E00074C5B7101A82E00800000000Q2PLAN@contoso.example")
	webinarICS := ics("PUBLISH", "Northwind Partner Webinar: Supply chain outlook 2026", "events@northwind.example", "Northwind Events", []string{leegu},
		"Thank you for registering. Join link: https://events.northwind.example/join/sc-2026?rid=7781",
		"https://events.northwind.example/join/sc-2026?rid=7781", "20260415T160000Z", "20260415T170000Z", "sc-2026-7781@events.northwind.example")
	return []*M{
		{
			File: "ben-01-internal-it-notice.eml", Verdict: "benign", Category: "legitimate", QType: "TransportRule", Policy: "ExchangeTransportRule",
			Rcpt:     rc(megan, adele, alex, diego, lynne),
			Desc:     "Real Contoso IT notice sent through the company's notification service: SPF (em.contoso.example), DKIM d=contoso.example and DMARC pass, all links on contoso.example; caught by a transport rule on the word 'password'",
			FromName: "Contoso IT Service Desk", FromAddr: "it-notifications@contoso.example", MailFrom: "bounces+it@em.contoso.example",
			Subject: "Planned change: new self-service password reset page on 16 March", Date: d(3, 12, 8, 30, "UTC"), IP: "198.51.100.60", Helo: "o1.em.contoso.example",
			SPF: "pass", DKIM: "pass", DKIMDomain: "contoso.example", DMARC: "pass", SCL: 1, CAT: "NONE", SFV: "NSPM",
			Extra: [][2]string{{"X-MS-Exchange-Organization-Rules-Execution-History", "Quarantine external mail mentioning password"}},
			Text:  "Hello,\n\nOn Monday 16 March the self-service password reset page moves to https://passwordreset.contoso.example. Bookmarks to the old page will redirect for 30 days.\n\nYou do not need to do anything now. IT will never ask for your password by email.\n\nQuestions: https://servicedesk.contoso.example or ext. 4400.\n\nContoso IT Service Desk",
			HTML: html(`<p>Hello,</p>
<p>On Monday 16 March the self-service password reset page moves to <a href="https://passwordreset.contoso.example">https://passwordreset.contoso.example</a>. Bookmarks to the old page will redirect for 30 days.</p>
<p>You do not need to do anything now. <b>IT will never ask for your password by email.</b></p>
<p>Questions: <a href="https://servicedesk.contoso.example">servicedesk.contoso.example</a> or ext. 4400.</p>
<p>Contoso IT Service Desk</p>`),
		},
		{
			File: "ben-02-supplier-invoice-fabrikam.eml", Verdict: "benign", Category: "legitimate", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(ap, finance),
			Desc:     "Monthly invoice from known partner fabrikam.example: SPF, DKIM and DMARC pass and aligned, same bank details as always, clean PDF invoice, no links",
			FromName: "Fabrikam Accounts Receivable", FromAddr: "ar@fabrikam.example",
			Subject: "Invoice FAB-2026-0318 from Fabrikam, Inc.", Date: d(3, 18, 9, 15, "EST"), IP: "198.51.100.10", Helo: "smtp.fabrikam.example",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Dear Contoso Accounts Payable,\n\nPlease find attached invoice FAB-2026-0318 for March maintenance services (PO 2026-118), amount USD 12,480.00, due 17 April 2026.\n\nPayment details are unchanged from previous invoices.\n\nBest regards,\nAnna Lindqvist\nAccounts Receivable, Fabrikam, Inc.",
			Atts: []Att{{Name: "Fabrikam_Invoice_FAB-2026-0318.pdf", CType: "application/pdf", Data: mkPDF("Invoice FAB-2026-0318", []string{
				"Fabrikam, Inc. - Invoice FAB-2026-0318", "Bill to: Contoso Ltd., Accounts Payable", "PO: 2026-118", "", "March 2026 maintenance services   USD 12,480.00", "", "Due date: 17 April 2026", "Payment details unchanged (see contract)."}, "")}},
		},
		{
			File: "ben-03-subscribed-newsletter.eml", Verdict: "benign", Category: "legitimate", QType: "Bulk", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(leegu),
			Desc:     "Engineering newsletter the user subscribed to: DKIM/DMARC pass for news.tailspintoys.example, List-Unsubscribe with one-click, links on the sender's domain, BCL 6",
			FromName: "Tailspin Toys Engineering", FromAddr: "newsletter@news.tailspintoys.example",
			Subject: "This month in engineering: build times down 38%", Date: d(3, 19, 15, 0, "UTC"), IP: "198.51.100.11",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 6, BCL: 6, CAT: "BULK",
			Extra: [][2]string{{"List-Unsubscribe", "<https://news.tailspintoys.example/unsubscribe?s=lee.gu%40contoso.example&l=eng>, <mailto:unsubscribe@news.tailspintoys.example?subject=unsubscribe>"}, {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}, {"List-Id", "Tailspin Engineering Newsletter <eng.news.tailspintoys.example>"}},
			Text:  "This month in engineering\n\n- How we cut build times by 38%: https://news.tailspintoys.example/2026/03/build-times\n- Upcoming talk: observability on a budget: https://news.tailspintoys.example/events\n\nYou subscribed to this newsletter as lee.gu@contoso.example.\nUnsubscribe: https://news.tailspintoys.example/unsubscribe?s=lee.gu%40contoso.example&l=eng",
			HTML: html(`<h2>This month in engineering</h2>
<ul><li><a href="https://news.tailspintoys.example/2026/03/build-times">How we cut build times by 38%</a></li>
<li><a href="https://news.tailspintoys.example/events">Upcoming talk: observability on a budget</a></li></ul>
<p style="font-size:11px;color:#666">You subscribed to this newsletter as lee.gu@contoso.example. <a href="https://news.tailspintoys.example/unsubscribe?s=lee.gu%40contoso.example&amp;l=eng">Unsubscribe</a></p>`),
		},
		{
			File: "ben-04-shipping-notification.eml", Verdict: "benign", Category: "legitimate", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(diego),
			Desc:     "Shipping notification from fictional carrier Relecloud Parcel: DMARC pass, tracking link on relecloud-parcel.example, no payment request",
			FromName: "Relecloud Parcel", FromAddr: "tracking@relecloud-parcel.example",
			Subject: "Your parcel RP4471882309 is out for delivery", Date: d(3, 20, 7, 5, "CET"), IP: "198.51.100.12",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Good news: parcel RP4471882309 from Contoso Supplies Hub is out for delivery today between 10:00 and 14:00.\n\nTrack: https://relecloud-parcel.example/track/RP4471882309\nManage delivery: https://relecloud-parcel.example/manage/RP4471882309\n\nNo payment is due for this parcel.",
			HTML: html(`<p>Good news: parcel <b>RP4471882309</b> from Contoso Supplies Hub is out for delivery today between 10:00 and 14:00.</p>
<p><a href="https://relecloud-parcel.example/track/RP4471882309">Track your parcel</a> | <a href="https://relecloud-parcel.example/manage/RP4471882309">Manage delivery</a></p>
<p>No payment is due for this parcel.</p>`),
		},
		{
			File: "ben-05-calendar-invite-colleague.eml", Verdict: "benign", Category: "legitimate", QType: "TransportRule", Policy: "ExchangeTransportRule",
			Rcpt:     rc(megan, adele, diego),
			Desc:     "Meeting request from colleague Nestor Wilke inside the tenant (AuthAs Internal, DKIM/DMARC pass for contoso.example), join link on meet.contoso.example; a calendar-link transport rule caught it",
			FromName: "Nestor Wilke", FromAddr: nestor, Subject: "Q2 planning sync",
			Date: d(3, 25, 11, 40, "UTC"), IP: "2001:db8:10b6:7e::21", Helo: "CO6PR19MB7781.namprd19.prod.outlook.example", Internal: true,
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: -1, CAT: "NONE", SFV: "SKI",
			MsgID: "<CO6PR19MB7781E2B5D1A94C0F3B7C8D21A9F2A@CO6PR19MB7781.namprd19.prod.outlook.example>",
			Extra: [][2]string{{"Thread-Topic", "Q2 planning sync"}, {"X-MS-Exchange-Organization-Rules-Execution-History", "Quarantine meeting requests with external links"}},
			Text:  "Agenda: Q2 priorities, hiring plan, budget check.\nNotes will be in the team OneNote.\n\nJoin: https://meet.contoso.example/j/4471-8823\n\nNestor",
			HTML: html(`<p>Agenda: Q2 priorities, hiring plan, budget check.<br>Notes will be in the team OneNote.</p>
<p><a href="https://meet.contoso.example/j/4471-8823">Join the meeting</a></p><p>Nestor</p>`),
			Calendar: colleagueICS,
		},
		{
			File: "ben-06-requested-password-reset.eml", Verdict: "benign", Category: "legitimate", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(adele),
			Desc:     "Password reset the user asked for at fictional SaaS Litware: DMARC pass for accounts.litware.example, reset link on the same domain, short expiry, 'ignore if not you'",
			FromName: "Litware", FromAddr: "no-reply@accounts.litware.example",
			Subject: "Reset your Litware password", Date: d(3, 26, 9, 14, "UTC"), IP: "198.51.100.13",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Hi Adele,\n\nWe received a request to reset the password for adele.vance@contoso.example at 09:13 UTC.\n\nReset password: https://accounts.litware.example/reset?token=q3T9xk2LmP8vW1\n\nThis link expires in 30 minutes. If you didn't ask for a reset, ignore this email: your password stays the same.\n\nLitware Accounts",
			HTML: html(`<p>Hi Adele,</p><p>We received a request to reset the password for adele.vance@contoso.example at 09:13 UTC.</p>
<p><a href="https://accounts.litware.example/reset?token=q3T9xk2LmP8vW1">Reset password</a></p>
<p>This link expires in 30 minutes. If you didn't ask for a reset, ignore this email: your password stays the same.</p>`),
		},
		{
			File: "ben-07-hr-benefits-enrollment.eml", Verdict: "benign", Category: "legitimate", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(megan, joni, grady, johanna),
			Desc:     "Open-enrollment reminder from Contoso's benefits provider adatum-benefits.example: DMARC pass, every link on the sender's own domain, no credential request in the mail",
			FromName: "Contoso Benefits (A. Datum)", FromAddr: "enroll@adatum-benefits.example",
			Subject: "Benefits open enrollment closes 31 March", Date: d(3, 23, 13, 0, "EST"), IP: "198.51.100.15",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Open enrollment for your 2026-2027 Contoso benefits closes on 31 March.\n\nCompare plans: https://adatum-benefits.example/contoso/plans\nFAQ: https://adatum-benefits.example/contoso/faq\n\nIf you want to keep your current plans, you don't need to do anything.\n\nA. Datum Benefits, on behalf of Contoso HR",
			HTML: html(`<p>Open enrollment for your 2026-2027 Contoso benefits closes on <b>31 March</b>.</p>
<p><a href="https://adatum-benefits.example/contoso/plans">Compare plans</a> | <a href="https://adatum-benefits.example/contoso/faq">FAQ</a></p>
<p>If you want to keep your current plans, you don't need to do anything.</p><p>A. Datum Benefits, on behalf of Contoso HR</p>`),
		},
		{
			File: "ben-08-personal-plain-text.eml", Verdict: "benign", Category: "legitimate", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(lynne),
			Desc:     "Plain-text personal message from a family member at ISP homemail.example: SPF/DKIM/DMARC pass, no links or attachments",
			FromName: "Carol Robbins", FromAddr: "carol.robbins@homemail.example", Subject: "Sunday",
			Date: d(3, 27, 19, 22, "EST"), IP: "198.51.100.16", Helo: "smtp.homemail.example",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "SPM",
			Text: "Hi sweetie,\n\nAre you and Tom still coming for lunch on Sunday? Dad wants to make the lamb again, so let me know by Friday.\nAnd bring the photos from the trip!\n\nLove,\nMom",
		},
		{
			File: "ben-09-bounce-dsn.eml", Verdict: "benign", Category: "legitimate", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(megan),
			Desc:     "Genuine delivery-status notification (multipart/report) for a message Megan sent to wingtiptoys.example: null return path, 5.1.1 user unknown, original headers are Contoso's own",
			FromName: "Mail Delivery System", FromAddr: "MAILER-DAEMON@mx1.wingtiptoys.example", MailFrom: "<>",
			Subject: "Undelivered Mail Returned to Sender", Date: d(3, 19, 15, 2, "UTC"), IP: "198.51.100.17", Helo: "mx1.wingtiptoys.example",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "pass reason=105", SCL: 5, CAT: "SPM",
			Extra: [][2]string{{"Auto-Submitted", "auto-replied"}},
			Raw:   dsn,
		},
		{
			File: "ben-10-legal-pdf-contract.eml", Verdict: "benign", Category: "legitimate", QType: "Malware", Policy: "AntiMalwarePolicy",
			Rcpt:     rc(lidia, patti),
			Desc:     "Signed contract amendment from outside counsel proseware.example: DMARC pass, expected thread (In-Reply-To), a plain PDF with no JavaScript, links or embedded files; false positive of the attachment scan",
			FromName: "Jordan Smith", FromAddr: "j.smith@proseware.example", To: "Lidia Holloway <" + lidia + ">", Cc: "Patti Fernandez <" + patti + ">",
			Subject: "RE: Contoso MSA - Amendment 3 (signed)", Date: d(3, 30, 16, 48, "EST"), IP: "198.51.100.18",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 1, CAT: "MALW", SFV: "NSPM",
			Extra: [][2]string{{"In-Reply-To", "<SA1PR19MB7781F00D1A2B3C4D5E6F70819A2B@SA1PR19MB7781.namprd19.prod.outlook.example>"}, {"References", "<SA1PR19MB7781F00D1A2B3C4D5E6F70819A2B@SA1PR19MB7781.namprd19.prod.outlook.example>"}},
			Text:  "Lidia, Patti,\n\nAttached is the countersigned Amendment 3 to the Master Services Agreement. Please keep it with the contract file.\n\nBest,\nJordan Smith\nProseware LLP",
			Atts: []Att{{Name: "Contoso_MSA_Amendment_3_signed.pdf", CType: "application/pdf", Data: mkPDF("MSA Amendment 3", []string{
				"Amendment 3 to the Master Services Agreement", "between Contoso Ltd. and Proseware LLP (fictional)", "", "1. Term extended to 31 March 2028.", "2. Fees per Schedule B, revision 4.", "", "Signed: Lidia Holloway, Contoso Ltd.", "Signed: Jordan Smith, Proseware LLP"}, "")}},
		},
		{
			File: "ben-11-webinar-registration-ics.eml", Verdict: "benign", Category: "legitimate", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(leegu),
			Desc:     "Registration confirmation from partner northwind.example with a METHOD:PUBLISH .ics whose join link stays on events.northwind.example; DMARC pass",
			FromName: "Northwind Events", FromAddr: "events@northwind.example",
			Subject: "You're registered: Supply chain outlook 2026", Date: d(4, 1, 17, 5, "UTC"), IP: "198.51.100.19",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, BCL: 4, CAT: "SPM",
			Text: "Hi Lee,\n\nThanks for registering for \"Supply chain outlook 2026\" on 15 April at 16:00 UTC.\nAdd it to your calendar with the attached file.\n\nJoin link: https://events.northwind.example/join/sc-2026?rid=7781\n\nNorthwind Events",
			Atts: []Att{{Name: "webinar.ics", CType: "text/calendar", Data: []byte(strings.ReplaceAll(webinarICS, "\n", "\r\n"))}},
		},
		{
			File: "ben-12-expense-approval.eml", Verdict: "benign", Category: "legitimate", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(nestor),
			Desc:     "Expense-approval notification from Contoso's expense tool expensely.example: DMARC pass, links only on expensely.example, names a real colleague and report",
			FromName: "Expensely", FromAddr: "notifications@expensely.example",
			Subject: "Lee Gu submitted expense report ER-2026-0311 for your approval", Date: d(4, 2, 10, 10, "UTC"), IP: "198.51.100.20",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Lee Gu submitted expense report ER-2026-0311 (Customer visit, Seattle) for USD 412.50.\n\nReview: https://contoso.expensely.example/reports/ER-2026-0311\n\nYou're receiving this because you approve expenses for Lee Gu.",
			HTML: html(`<p><b>Lee Gu</b> submitted expense report <b>ER-2026-0311</b> (Customer visit, Seattle) for <b>USD 412.50</b>.</p>
<p><a href="https://contoso.expensely.example/reports/ER-2026-0311">Review report</a></p>
<p style="font-size:11px;color:#666">You're receiving this because you approve expenses for Lee Gu.</p>`),
		},
		{
			File: "ben-13-esign-request-legit.eml", Verdict: "benign", Category: "legitimate", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(patti),
			Desc:     "Real e-signature request from fictional service SignFlow for a contract Proseware prepared: DMARC pass for signflow.example, link on signflow.example, names the known counterparty (contrast with mal-04)",
			FromName: "Jordan Smith via SignFlow", FromAddr: "dse@signflow.example", ReplyTo: "Jordan Smith <j.smith@proseware.example>",
			Subject: "Please sign: Contoso - Proseware engagement letter 2026", Date: d(4, 3, 14, 2, "EST"), IP: "198.51.100.21",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Jordan Smith (Proseware LLP) sent you a document to sign: Contoso - Proseware engagement letter 2026.\n\nReview and sign: https://app.signflow.example/sign/env/4f1c9a77\n\nMessage from Jordan: As discussed on Tuesday, here is the engagement letter for this year.",
			HTML: html(`<p>Jordan Smith (Proseware LLP) sent you a document to sign: <b>Contoso - Proseware engagement letter 2026</b>.</p>
<p><a href="https://app.signflow.example/sign/env/4f1c9a77">Review and sign</a></p>
<p><i>Message from Jordan: As discussed on Tuesday, here is the engagement letter for this year.</i></p>`),
		},
	}
}
