package main

func docx(text string) []byte {
	return mkzip(
		zf{"[Content_Types].xml", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`)},
		zf{"_rels/.rels", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`)},
		zf{"word/document.xml", []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`)},
	)
}

func suspicious() []*M {
	return []*M{
		{
			File: "sus-01-new-sender-file-share-link.eml", Verdict: "suspicious", Category: "credential_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(joni),
			Desc:     "First-time sender norred-design.example (SPF/DKIM/DMARC pass) with a link to a free file-sharing page; plausible work context but nothing to confirm it",
			FromName: "Chris Norred", FromAddr: "chris@norred-design.example", Subject: "Revised mockups for the spring campaign",
			Date: d(4, 1, 10, 12, "EST"), IP: "198.51.100.61", Country: "US",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Hi Joni,\n\nFollowing up on the brief from last week: the revised mockups are ready. The files are too large for email, so I uploaded them here:\n\nhttps://dl.filedrop-share.example/t/8sKq2LmZ\n\nThe link expires in 7 days.\n\nChris Norred\nNorred Design Studio",
		},
		{
			File: "sus-02-url-shortener.eml", Verdict: "suspicious", Category: "credential_phishing", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(alex, diego),
			Desc:     "Event 'schedule changed' notice whose only link is a URL shortener (qrl-to.example); sender has SPF pass but no DKIM/DMARC, destination unknown",
			FromName: "Summit Events Team", FromAddr: "events@summit-registration.example", Subject: "Your session schedule has changed",
			Date: d(4, 2, 13, 40, "UTC"), IP: "198.51.100.62", Country: "US",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "softpass reason=201", SCL: 5, CAT: "SPM",
			Text: "Hello,\n\nThe agenda for the Cloud Summit has changed and your registered sessions have moved.\nSee your updated schedule: https://qrl-to.example/3Fq8z\n\nSummit Events Team",
		},
		{
			File: "sus-03-reply-to-mismatch.eml", Verdict: "suspicious", Category: "bec", QType: "Phish", Policy: "AntiPhishPolicy",
			Rcpt:     rc(ap),
			Desc:     "Consultant asks for the vendor list and W-9 forms; DMARC pass for woodgrove-consulting.example but Reply-To goes to a free-mail address, no other signal",
			FromName: "Daniel Kim", FromAddr: "daniel.kim@woodgrove-consulting.example", ReplyTo: "daniel.kim.consult@quickmail.example",
			Subject: "Vendor list for the audit", Date: d(4, 3, 9, 18, "EST"), IP: "198.51.100.63", Country: "US",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Hello,\n\nFor the supplier audit we are preparing, could you send me the current vendor list with contact names and the W-9 forms you have on file?\nA spreadsheet is fine.\n\nThank you,\nDaniel Kim\nWoodgrove Consulting",
		},
		{
			File: "sus-04-first-contact-invoice-docx.eml", Verdict: "suspicious", Category: "bec", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(ap),
			Desc:     "First-contact invoice from unknown litware-supplies.example with a macro-free .docx; SPF pass, no DKIM, no DMARC; could be a new supplier or invoice fraud",
			FromName: "Accounts | Litware Supplies", FromAddr: "accounts@litware-supplies.example", Subject: "Invoice 2026-0412 for office supplies",
			Date: d(4, 4, 11, 25, "UTC"), IP: "198.51.100.64", Country: "GB",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "softpass reason=201", SCL: 5, CAT: "SPM",
			Text: "Good morning,\n\nPlease find attached invoice 2026-0412 for the office supplies delivered in March. Payment terms are 7 days.\n\nKind regards,\nAccounts Team\nLitware Supplies",
			Atts: []Att{{Name: "Invoice_2026-0412.docx", CType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Data: docx("Litware Supplies - Invoice 2026-0412 - Office supplies, March 2026 - Total GBP 1,284.00 - Payment terms 7 days.")}},
		},
		{
			File: "sus-05-survey-form-builder.eml", Verdict: "suspicious", Category: "credential_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(megan, adele, leegu, pradeep),
			Desc:     "'Contoso People Team' survey sent by unknown pulse-surveys.example, linking to a generic form builder (quickform-builder.example); display name claims an internal team",
			FromName: "Contoso People Team", FromAddr: "survey@pulse-surveys.example", Subject: "Q1 employee pulse survey - 3 minutes",
			Date: d(4, 6, 8, 0, "UTC"), IP: "198.51.100.65", Country: "US",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Hi,\n\nWe want to hear how you are doing. Please take 3 minutes to complete the Q1 pulse survey before Friday:\nhttps://quickform-builder.example/f/contoso-q1-pulse\n\nThank you,\nContoso People Team",
			HTML: html(`<p>Hi,</p><p>We want to hear how you are doing. Please take 3 minutes to complete the Q1 pulse survey before Friday.</p>
<p><a href="https://quickform-builder.example/f/contoso-q1-pulse">Start the survey</a></p><p>Thank you,<br>Contoso People Team</p>`),
		},
		{
			File: "sus-06-partner-dkim-fail-forwarded.eml", Verdict: "suspicious", Category: "credential_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(finance),
			Desc:     "Statement from known partner fabrikam.example relayed through a list server: SPF softfail, DKIM body hash fail, DMARC fail (p=none); links stay on portal.fabrikam.example, but the sender can't be confirmed",
			FromName: "Fabrikam Billing", FromAddr: "billing@fabrikam.example", MailFrom: "billing-bounces@lists.partner-relay.example",
			Subject: "[partners] Your March statement is available", Date: d(4, 7, 15, 33, "UTC"), IP: "198.51.100.66", Helo: "lists.partner-relay.example", Country: "US",
			SPF: "softfail", DKIM: "fail", DMARC: "fail", DMARCAction: "none", CompAuth: "softpass reason=201", SCL: 5, CAT: "PHSH",
			Extra: [][2]string{{"List-Id", "Fabrikam partner notices <partners.lists.partner-relay.example>"}, {"Sender", "partners-bounces@lists.partner-relay.example"}},
			Text:  "Your March 2026 statement is available in the Fabrikam partner portal.\n\nView statement: https://portal.fabrikam.example/statements/2026-03\n\nFabrikam Billing\n\n_______________________________________________\npartners mailing list",
		},
		{
			File: "sus-07-freemail-shared-document.eml", Verdict: "suspicious", Category: "credential_phishing", QType: "Phish", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(isaiah),
			Desc:     "Unknown free-mail sender shares 'the document we discussed' on a free file host without context; no prior conversation",
			FromName: "Pat Miller", FromAddr: "pat.miller.1984@quickmail.example", Subject: "the document we discussed",
			Date: d(4, 8, 20, 2, "UTC"), IP: "198.51.100.37", Helo: "smtp-out.quickmail.example", Country: "GB",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, CAT: "PHSH",
			Text: "Hi Isaiah,\n\nsharing the document we discussed: https://docs.freehost-drive.example/view/5kq8w1\n\nlet me know what you think\nPat",
		},
		{
			File: "sus-08-recruiter-out-of-band.eml", Verdict: "suspicious", Category: "scam", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(diego),
			Desc:     "Unsolicited remote-job offer ($45/hour) that moves the conversation to a chat app and a phone number (+1 650 555 0199); no links or attachments",
			FromName: "Global Talent Hub", FromAddr: "recruit@global-talent-hub.example", Subject: "Remote position - $45/hour, flexible",
			Date: d(4, 9, 12, 12, "UTC"), IP: "203.0.113.66", Country: "PH",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "softpass reason=201", SCL: 6, CAT: "SPM",
			Text: "Hello Diego,\n\nYour profile was recommended to us. We have a remote part-time position as a data review assistant, $45 per hour, 2-3 hours a day, no experience needed.\n\nOur hiring manager does interviews on WhatsApp only. Send a message to +1 (650) 555-0199 with your name and the code GTH-88 to start.\n\nBest regards,\nAmelia\nGlobal Talent Hub",
		},
	}
}
