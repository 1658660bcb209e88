// Package demo holds the demo quarantine of qtriage: fictional messages
// that Microsoft Defender for Office 365 could have quarantined for the
// fictional customer Contoso (contoso.example, tenant contoso.onmicrosoft.com).
//
// quarantine/ has one RFC 5322 .eml file per message, as Exchange
// Online would deliver it (Received chain, Microsoft-form
// Authentication-Results, Received-SPF, X-MS-Exchange-Organization-SCL,
// X-Forefront-Antispam-Report, X-Microsoft-Antispam BCL, MIME parts), and
// manifest.json, which gives for each file the expected verdict and category
// (the vocabulary of docs on detection: malicious, suspicious, spam, benign;
// credential_phishing, malware, bec, callback_phishing, extortion, scam, spam,
// bulk, legitimate), the quarantine type and policy type it was quarantined
// under, its recipients and a one-line description of the key evidence.
//
// The set covers credential phishing (password expiry, shared documents,
// voicemail, e-signature, parcel, bank, QR code, OAuth consent, calendar
// invite, PDF lure), brand and tenant lookalikes with homoglyphs and punycode,
// malware lures (HTML smuggling, double extension in a zip, macro-enabled
// document, disk image, shortcut, encrypted archive), BEC, callback phishing
// and extortion; suspicious, spam and bulk mail; and legitimate mail that a
// filter quarantined by mistake and an analyst should release. It feeds the
// local demo and tests that want realistic quarantine content.
//
// Everything in it is fictional. Senders, links and mail hosts use only the
// reserved names .example, .test and .invalid (and the example.com/.net/.org
// domains); Microsoft's own hosts are replaced by look-alikes under .example,
// and every IP address is an RFC 5737 or RFC 3849 documentation address.
// Brands appear only by name. Attachments are inert: the "malware" is
// placeholder text, the scripts are never called, the archives and images are
// tiny, and the Bitcoin address is derived from a fixed phrase with no known
// key. The tests in this package check that the files parse, that the
// manifest matches them, and that no real-world host slipped in.
//
// The files are generated, deterministically and with the standard library
// only, by testdata/gen (under testdata so that ./... skips it): edit the
// message specs there and run `go run ./internal/demo/testdata/gen` from the
// repository root rather than editing the .eml files by hand, since their
// attachments are base64-encoded archives, PDFs and a QR-code PNG.
package demo
