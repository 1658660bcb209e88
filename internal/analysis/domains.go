package analysis

import (
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// hostOfAddress returns the lowercased domain of an email address.
func hostOfAddress(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.Trim(strings.ToLower(addr[i+1:]), ". >")
}

// registrable returns the registrable domain (eTLD+1) of host, or host
// itself when it has none (a bare TLD, an IP, a name without dots).
func registrable(host string) string {
	host = strings.Trim(strings.ToLower(host), ". ")
	if host == "" {
		return ""
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// suffixOf returns the public suffix of domain ("com", "co.uk").
func suffixOf(domain string) string {
	s, _ := publicsuffix.PublicSuffix(domain)
	return s
}

// labelOf returns the registrable domain without its public suffix
// ("micros0ft-support" for micros0ft-support.co.uk).
func labelOf(domain string) string {
	s := suffixOf(domain)
	if s == "" || len(s) >= len(domain) {
		return domain
	}
	return strings.TrimSuffix(domain[:len(domain)-len(s)], ".")
}

// inDomainSet reports whether host is one of set or a subdomain of one.
func inDomainSet(host string, set map[string]bool) (string, bool) {
	for h := host; h != ""; {
		if set[h] {
			return h, true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return "", false
}

// setOf builds a lookup set.
func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}

// freeMailDomains are consumer mailbox providers: anyone can get an address there.
var freeMailDomains = setOf(
	"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it", "hotmail.es",
	"live.com", "live.co.uk", "live.fr", "msn.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.es", "yahoo.it", "yahoo.com.br",
	"yahoo.co.jp", "ymail.com", "rocketmail.com", "aol.com", "icloud.com", "me.com", "mac.com", "gmx.com", "gmx.de", "gmx.net", "gmx.at",
	"web.de", "mail.com", "email.com", "usa.com", "protonmail.com", "proton.me", "pm.me", "tutanota.com", "tuta.io", "zoho.com", "zohomail.com",
	"yandex.com", "yandex.ru", "mail.ru", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "qq.com", "163.com", "126.com", "sina.com", "naver.com",
	"daum.net", "hanmail.net", "libero.it", "virgilio.it", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "t-online.de",
	"seznam.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl", "bol.com.br", "uol.com.br", "terra.com.br", "ig.com.br", "rediffmail.com",
	"hushmail.com", "fastmail.com", "inbox.com", "lycos.com", "excite.com", "juno.com", "earthlink.net", "comcast.net", "att.net", "sbcglobal.net",
	"verizon.net", "cox.net", "btinternet.com", "sky.com", "shaw.ca", "rogers.com", "bigpond.com", "optusnet.com.au", "xtra.co.nz", "mail.bg",
	"abv.bg", "ukr.net", "i.ua", "outlook.fr", "outlook.de", "outlook.es", "outlook.it", "outlook.com.br", "cock.li", "onionmail.org", "mailfence.com",
	"posteo.de", "disroot.org", "guerrillamail.com", "sharklasers.com", "mailinator.com", "yopmail.com", "temp-mail.org", "10minutemail.com",
)

// shortenerDomains hide the destination of a link behind a short code.
var shortenerDomains = setOf(
	"bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "v.gd", "buff.ly", "rebrand.ly", "cutt.ly", "shorturl.at",
	"rb.gy", "t.ly", "s.id", "tiny.cc", "bit.do", "qrco.de", "shorte.st", "adf.ly", "tr.im", "x.co", "soo.gd", "clck.ru", "u.to", "urlz.fr",
	"short.io", "shorturl.gg", "tiny.one", "rotf.lol", "surl.li", "shorter.me", "ln.run", "lnk.to", "bl.ink", "snip.ly", "2no.co", "iplogger.org",
	"grabify.link", "qr.link", "me-qr.com", "linktr.ee", "tinu.be", "gg.gg", "did.li", "vk.cc", "cli.re", "shrtco.de", "l.ead.me", "ht.ly",
)

// freeHostDomains host anyone's pages or files for free: file sharing, site
// builders, form builders, serverless and object storage. Legitimate mail
// links them too; they count when combined with other signals.
var freeHostDomains = setOf(
	// serverless and app hosting
	"firebaseapp.com", "web.app", "netlify.app", "vercel.app", "pages.dev", "workers.dev", "herokuapp.com", "glitch.me", "onrender.com",
	"fly.dev", "surge.sh", "repl.co", "replit.app", "replit.dev", "ngrok.io", "ngrok-free.app", "ngrok.app", "r2.dev", "azurewebsites.net",
	"azureedge.net", "web.core.windows.net", "blob.core.windows.net", "cloudfront.net", "amazonaws.com", "appspot.com", "run.app",
	"firebasestorage.googleapis.com", "storage.googleapis.com", "github.io", "gitlab.io", "deno.dev", "cyclic.app", "railway.app",
	"ipfs.io", "dweb.link", "cloudflare-ipfs.com", "4everland.io", "fleek.co", "trycloudflare.com", "loca.lt", "serveo.net",
	// site builders and blogs
	"wixsite.com", "weebly.com", "webflow.io", "squarespace.com", "000webhostapp.com", "blogspot.com", "wordpress.com", "godaddysites.com",
	"mystrikingly.com", "strikingly.com", "yolasite.com", "jimdosite.com", "site123.me", "carrd.co", "tilda.ws", "webnode.page", "framer.app",
	"notion.site", "wpcomstaging.com", "myshopify.com", "sites.google.com", "business.site", "bubbleapps.io", "hpage.com", "ucoz.net",
	// forms and documents
	"forms.gle", "docs.google.com", "forms.office.com", "forms.microsoft.com", "typeform.com", "jotform.com", "formstack.com", "123formbuilder.com",
	"wufoo.com", "zohoforms.com", "surveymonkey.com", "formsite.com", "cognitoforms.com", "paperform.co", "tally.so", "sway.office.com",
	"forms.yandex.com", "forms.yandex.ru", "sway.cloud.microsoft", "canva.com", "canva.site", "genial.ly", "padlet.com", "quip.com", "evernote.com", "adobe.ly", "express.adobe.com",
	"acrobat.adobe.com", "docsend.com", "pdfhost.io", "flowcode.com", "linkin.bio", "craft.me", "scribd.com", "issuu.com", "flipsnack.com",
	// file sharing
	"dropbox.com", "dropboxusercontent.com", "we.tl", "wetransfer.com", "mediafire.com", "mega.nz", "sendspace.com", "box.com", "app.box.com",
	"1drv.ms", "onedrive.live.com", "drive.google.com", "filetransfer.io", "transfer.sh", "gofile.io", "anonfiles.com", "file.io", "pcloud.link",
	"sharefile.com", "hightail.com", "4shared.com", "zippyshare.com", "smash.gg", "fromsmash.com", "filemail.com", "dl.dropboxusercontent.com",
	"tinyupload.com", "files.catbox.moe", "catbox.moe", "pixeldrain.com", "usercontent.google.com", "googleusercontent.com",
)

// suspiciousTLDs are suffixes that reputation services report as mostly abused.
var suspiciousTLDs = setOf(
	"top", "xyz", "icu", "click", "cfd", "sbs", "buzz", "rest", "monster", "lol", "cyou", "bond", "quest", "beauty", "hair", "skin", "autos",
	"boats", "yachts", "mom", "tk", "ml", "ga", "cf", "gq", "zip", "mov", "work", "surf", "cam", "uno", "fit", "loan", "win", "bid", "racing",
	"download", "stream", "gdn", "men", "party", "review", "trade", "date", "faith", "science", "accountant", "cricket", "kim", "country",
	"su", "pw", "cc", "best", "cn.com", "sa.com", "us.com", "ru.com", "digital", "live", "life", "online", "site", "website", "space", "store",
	"shop", "club", "vip", "pro", "today", "world", "link", "help", "support", "email", "host", "press", "fun", "ink", "wang", "xin", "one",
)

// compromisedPathHints are path fragments of CMS installs often hijacked to host phishing kits.
var compromisedPathHints = []string{"/wp-content/", "/wp-includes/", "/wp-admin/", "/.well-known/", "/cgi-bin/", "/plugins/", "/uploads/"}

// credentialPathWords in a URL path or host hint at a login page.
var credentialPathWords = setOf("login", "signin", "logon", "verify", "verification", "validate", "validation", "password", "passwd",
	"credential", "credentials", "webmail", "owa", "unlock", "recover", "recovery", "wallet", "kyc", "reactivate", "reactivation", "sso")

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(strings.TrimSpace(s), 64) }
