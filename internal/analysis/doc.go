// Package analysis investigates one parsed message the way a SOC analyst
// does with a quarantined email, and returns a [Report]: a verdict, a
// confidence, a category, the findings with their evidence, the indicators,
// the MITRE ATT&CK technique and the recommended actions.
//
// The package is pure: a [message.Message] and a [Context] in, a [Report]
// out. It never touches storage, the network or DNS; URLs are looked at,
// never fetched.
//
// Where each concern lives:
//
//	engine.go          Engine, Options, Analyze: detector isolation and the time budget
//	detector.go        the Detector interface, Input (what every detector reads)
//	context.go         Context: what the tenant knows (domains, VIPs, lists, history)
//	report.go          Report and its JSON form (documented in docs/report.md)
//	types.go           the typed enums: Verdict, Severity, Category, Priority, Action
//	weights.go         THE scoring table: every finding id, its severity and weights
//	score.go           findings → verdict, confidence, category, priority, MITRE, actions
//	summary.go         the plain-English summary written from the findings
//	brands.go          the embedded brand list (data/brands.json) and brand matching
//	lookalike.go       lookalike domains: confusables, punycode, digit swaps, edit distance, added words
//	domains.go         domain helpers and the lists of shorteners, free hosts, free mail
//	detect_auth.go     authentication and header detectors
//	detect_sender.go   sender impersonation (brands, VIPs, tenant domains, free mail)
//	detect_links.go    link detectors
//	detect_attach.go   attachment detectors (types, macros, smuggling, archives, PDFs, passwords)
//	detect_content.go  content detectors (lures, urgency, BEC, callback, extortion, hidden text)
//	phrases.go         the lure phrase lists (English, Portuguese, Spanish, German, French, Dutch)
//	detect_defects.go  parser defects as evidence
//	render.go          text and Markdown renderings of a report and of an evaluation
//	eval.go            Evaluate: labelled folders → verdict counts and error rates
package analysis
