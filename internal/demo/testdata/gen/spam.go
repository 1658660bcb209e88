package main

func spam() []*M {
	return []*M{
		{
			File: "spam-01-diet-pills.eml", Verdict: "spam", Category: "spam", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(megan, joni),
			Desc:     "Junk marketing for 'keto burn' diet pills with miracle claims from ketoburn-labs.example, SCL 6",
			FromName: "Keto Burn Labs", FromAddr: "offers@ketoburn-labs.example", Subject: "Lose 12 kg in 3 weeks without diet or exercise!!!",
			Date: d(4, 10, 2, 11, "UTC"), IP: "203.0.113.71", Country: "CY",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "softpass reason=201", SCL: 6, BCL: 4, CAT: "SPM",
			Text: "Doctors hate this! Melt belly fat while you sleep.\nOnly today: 3 bottles for the price of 1.\nOrder: http://ketoburn-labs.example/deal?c=88\nUnsubscribe: http://ketoburn-labs.example/u?c=88",
			HTML: html(`<center><h1 style="color:#e00">LOSE 12 KG IN 3 WEEKS</h1>
<p>Doctors hate this! Melt belly fat while you sleep.</p>
<p><a href="http://ketoburn-labs.example/deal?c=88"><b>ONLY TODAY: 3 BOTTLES FOR THE PRICE OF 1</b></a></p>
<p style="font-size:9px"><a href="http://ketoburn-labs.example/u?c=88">unsubscribe</a></p></center>`),
		},
		{
			File: "spam-02-seo-offer.eml", Verdict: "spam", Category: "spam", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(helpdsk),
			Desc:     "Unsolicited SEO 'first page of search results' offer from a free-mail address, plain text",
			FromName: "Raj | SEO Expert", FromAddr: "seo.expert.raj@quickmail.example", Subject: "Proposal for contoso.example ranking",
			Date: d(4, 11, 5, 30, "IST"), IP: "198.51.100.38", Helo: "smtp-out.quickmail.example", Country: "IN",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 5, BCL: 3, CAT: "SPM",
			Text: "Hi Team,\n\nI was checking your website contoso.example and noticed it is not ranking on the first page for many keywords. Your site also has 37 technical SEO errors.\n\nWe can bring your website to the first page of search results within 3 months, guaranteed. Our packages start at $199/month.\n\nShall I send you a free audit report and price list?\n\nRegards,\nRaj\nSenior SEO Consultant",
		},
		{
			File: "spam-03-crypto-investment.eml", Verdict: "spam", Category: "spam", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(leegu, lynne, grady),
			Desc:     "Crypto 'AI trading bot' investment pitch promising $250 to $12,000 in 30 days, from quantum-ai-profits.test",
			FromName: "Quantum AI Profits", FromAddr: "invest@quantum-ai-profits.test", Subject: "Turn $250 into $12,000 in 30 days with our AI trading bot",
			Date: d(4, 12, 18, 45, "UTC"), IP: "203.0.113.72", Country: "CY", PTR: "InfoNoRecords",
			SPF: "softfail", DKIM: "none", DMARC: "none", SCL: 8, BCL: 5, CAT: "SPM",
			Text: "Our AI trading bot made members an average of 4,700% last year.\nStart with only $250. Withdraw any time.\n\nClaim your spot: https://quantum-ai-profits.test/join?ref=mail\n\nOnly 20 places left in your country.",
			HTML: html(`<h2>Turn $250 into $12,000 in 30 days</h2><p>Our AI trading bot made members an average of <b>4,700%</b> last year. Start with only $250. Withdraw any time.</p>
<p><a href="https://quantum-ai-profits.test/join?ref=mail" style="background:#f7931a;color:#fff;padding:10px 20px">Claim your spot</a></p><p>Only 20 places left in your country.</p>`),
		},
		{
			File: "spam-04-bulk-furniture-bcl8.eml", Verdict: "spam", Category: "bulk", QType: "Bulk", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(adele, alex, patti, miriam, johanna),
			Desc:     "Bulk retail promotion (office chairs sale) sent via an ESP, BCL 8, List-Unsubscribe present, recipients never subscribed",
			FromName: "Office Chair Outlet", FromAddr: "deals@officechair-outlet.example", MailFrom: "bounce-7731@bounce.esp-mailer.example",
			Subject: "Spring Sale: up to 70% off ergonomic chairs", Date: d(4, 13, 14, 0, "UTC"), IP: "198.51.100.80", Helo: "mta12.esp-mailer.example", Country: "US",
			SPF: "pass", DKIM: "pass", DKIMDomain: "esp-mailer.example", DMARC: "none", CompAuth: "pass reason=109", SCL: 6, BCL: 8, CAT: "BULK",
			Extra: [][2]string{{"List-Unsubscribe", "<https://unsub.esp-mailer.example/u/7731-ab12>, <mailto:unsub-7731@esp-mailer.example>"}, {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}, {"Precedence", "bulk"}, {"Feedback-ID", "7731:spring26:officechair:espmailer"}},
			Text:  "SPRING SALE - up to 70% off ergonomic chairs\nFree delivery over $300. Ends Sunday.\nShop now: https://officechair-outlet.example/sale?utm_source=esp\n\nUnsubscribe: https://unsub.esp-mailer.example/u/7731-ab12",
			HTML: html(`<table width="600" align="center"><tr><td style="background:#222;color:#fff;padding:20px;font-size:24px">SPRING SALE</td></tr>
<tr><td style="padding:20px"><p>Up to <b>70% off</b> ergonomic chairs. Free delivery over $300. Ends Sunday.</p>
<p><a href="https://officechair-outlet.example/sale?utm_source=esp">Shop now</a></p>
<img src="https://img.esp-mailer.example/o/7731-ab12.gif" width="1" height="1" alt="">
<p style="font-size:10px;color:#888">You receive this because your address is on our B2B list. <a href="https://unsub.esp-mailer.example/u/7731-ab12">Unsubscribe</a></p></td></tr></table>`),
		},
		{
			File: "spam-05-lottery-winner.eml", Verdict: "spam", Category: "scam", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(nestor),
			Desc:     "'You won EUR 850,000' e-mail lottery asking for personal details; reply-to a free-mail claims agent",
			FromName: "International E-Mail Lottery Board", FromAddr: "claims@euromillion-award.example", ReplyTo: "claims.agent.office@quickmail.example",
			Subject: "CONGRATULATIONS!!! Your email won EUR 850,000.00", Date: d(4, 14, 1, 7, "WAT"), IP: "203.0.113.73", Country: "NG", PTR: "InfoNoRecords",
			SPF: "none", DKIM: "none", DMARC: "none", SCL: 9, BCL: 0, CAT: "SPM",
			Text: "Dear Winner,\n\nYour email address was selected in the International E-Mail Lottery draw of 12 April 2026 and has won EUR 850,000.00.\n\nReference: EML/2026/0412/77\nTicket: 7731-0452-88\n\nTo claim, reply to our claims agent with your full name, address, phone number, date of birth and a copy of your ID. A processing fee applies.\n\nYours faithfully,\nDr. Martin Keller\nClaims Director",
		},
		{
			File: "spam-06-webinar-bulk-bcl7.eml", Verdict: "spam", Category: "bulk", QType: "Bulk", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(isaiah, pradeep),
			Desc:     "B2B webinar invitation blast from cloudcost-insights.example, BCL 7, DKIM pass, List-Unsubscribe; the recipients never signed up",
			FromName: "CloudCost Insights", FromAddr: "events@cloudcost-insights.example",
			Subject: "Webinar: 5 ways to cut your cloud bill by 40%", Date: d(4, 15, 16, 0, "UTC"), IP: "198.51.100.81", Country: "US",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 6, BCL: 7, CAT: "BULK",
			Extra: [][2]string{{"List-Unsubscribe", "<https://cloudcost-insights.example/unsubscribe?u=8812>"}, {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}, {"Precedence", "bulk"}},
			Text:  "Join our live webinar on 22 April: 5 ways to cut your cloud bill by 40%.\nRegister: https://cloudcost-insights.example/webinar/cut-40\n\nUnsubscribe: https://cloudcost-insights.example/unsubscribe?u=8812",
			HTML: html(`<h2>5 ways to cut your cloud bill by 40%</h2><p>Live webinar, 22 April 2026, 17:00 UTC.</p>
<p><a href="https://cloudcost-insights.example/webinar/cut-40">Register now</a></p>
<p style="font-size:10px"><a href="https://cloudcost-insights.example/unsubscribe?u=8812">Unsubscribe</a></p>`),
		},
		{
			File: "spam-07-replica-watches.eml", Verdict: "spam", Category: "spam", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(alex),
			Desc:     "Replica luxury watches junk mail with a misspelled subject and a link to a shop on a throwaway domain",
			FromName: "Luxury Outlet", FromAddr: "sales@lux-replica-store.test", Subject: "R0lex & 0mega replicas - 90% 0FF",
			Date: d(4, 16, 3, 3, "UTC"), IP: "203.0.113.74", Country: "CN", PTR: "InfoNoRecords",
			SPF: "fail", DKIM: "none", DMARC: "none", SCL: 9, BCL: 2, CAT: "SPM", Lang: "en",
			Text: "Swiss quality replica watches from $89.\nFree worldwide shipping, discreet package.\nhttp://lux-replica-store.test/?id=4471",
		},
		{
			File: "spam-08-attendee-list.eml", Verdict: "spam", Category: "spam", QType: "Spam", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(patti),
			Desc:     "'Attendee list for sale' offer for a trade show (contact data vendor), typical B2B junk",
			FromName: "Olivia Turner", FromAddr: "olivia.turner@leadlists-pro.example", Subject: "RE: Cloud Expo 2026 attendee list",
			Date: d(4, 17, 9, 9, "EST"), IP: "198.51.100.82", Country: "US",
			SPF: "pass", DKIM: "none", DMARC: "none", CompAuth: "softpass reason=201", SCL: 5, BCL: 5, CAT: "SPM",
			Text: "Hi,\n\nWould you be interested in the Cloud Expo 2026 attendee list?\n\nCount: 18,450 contacts\nFields: name, title, company, phone, verified email\n\nLet me know and I will send pricing.\n\nOlivia Turner\nLead Generation Specialist\n\nIf you don't want further emails, reply REMOVE.",
		},
		{
			File: "spam-09-printer-ink-bulk-bcl9.eml", Verdict: "spam", Category: "bulk", QType: "Bulk", Policy: "HostedContentFilterPolicy",
			Rcpt:     rc(helpdsk, grady),
			Desc:     "High-volume bulk mail (BCL 9) for discount printer ink from a known bulk sender, List-Unsubscribe present",
			FromName: "InkSaver Direct", FromAddr: "news@inksaver-direct.example", MailFrom: "bounces@mail.inksaver-direct.example",
			Subject: "Printer ink 80% off - this week only", Date: d(4, 18, 11, 11, "UTC"), IP: "198.51.100.83", Helo: "mta3.mail.inksaver-direct.example", Country: "US",
			SPF: "pass", DKIM: "pass", DMARC: "pass", SCL: 6, BCL: 9, CAT: "BULK",
			Extra: [][2]string{{"List-Unsubscribe", "<https://inksaver-direct.example/unsub?e=4c1d>"}, {"Precedence", "bulk"}},
			Text:  "Compatible ink cartridges up to 80% off. Free shipping on orders over $40.\nShop: https://inksaver-direct.example/ink?src=mail\n\nUnsubscribe: https://inksaver-direct.example/unsub?e=4c1d",
		},
	}
}
