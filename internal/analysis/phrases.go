package analysis

import "strings"

// lureKind names a family of phrases the content detector looks for.
type lureKind string

// Lure families.
const (
	lureCredential lureKind = "credential"
	lureUrgency    lureKind = "urgency"
	lurePayment    lureKind = "payment"
	lureCallback   lureKind = "callback"
	lureExtortion  lureKind = "extortion"
	lureAdvanceFee lureKind = "advance_fee"
	lurePrize      lureKind = "prize"
	lureSpam       lureKind = "spam"
	lureCall       lureKind = "call"
	lureCrypto     lureKind = "crypto"
	lureTechScam   lureKind = "tech_support"
)

// lurePhrases are written lowercase, in the languages most seen in
// quarantines (English, Portuguese, Spanish, German, French). Each phrase is
// matched as a whole sequence of words.
var lurePhrases = map[lureKind][]string{
	lureCredential: {
		"verify your account", "verify your identity", "confirm your identity", "confirm your account", "validate your account",
		"verify your email", "confirm your email", "account has been suspended", "account has been locked", "account has been limited",
		"account will be suspended", "account will be closed", "will be cancelled", "will be canceled", "will be blocked", "be blocked", "account will be deactivated", "account will be deleted", "account is suspended",
		"temporarily suspended", "unusual sign in activity", "unusual sign-in activity", "unusual activity", "suspicious activity",
		"suspicious login", "password expires", "password will expire", "password has expired", "password expired", "keep same password", "keep the same password",
		"keep your password", "mailbox is full", "mailbox full", "storage is full", "storage full", "exceeded your storage", "mailbox quota",
		"email quota", "re-validate", "revalidate", "update your payment", "update your billing", "update your information", "update your details",
		"payment information", "billing information", "shared a document", "shared a file", "has shared", "shared with you", "view document",
		"review document", "open document", "access document", "view shared", "voicemail", "voice message", "new fax", "secure message",
		"encrypted message", "please sign", "review and sign", "e-signature", "signature request", "unlock your account", "restore your account",
		"restore access", "regain access", "sign in to your account", "log in to your account", "login to your account", "click here to verify",
		"verify now", "confirm now", "pending messages", "undelivered messages", "messages are pending", "incoming messages", "your package", "parcel is on hold", "package is on hold", "customs fee", "delivery fee", "shipping fee",
		"reschedule delivery", "kyc", "will be suspended", "been suspended", "be suspended", "been verified", "not been verified",
		"not yet been verified", "unverified", "verification required", "account verification", "go to verification", "verify your",
		"confirm your", "validate your", "update your account", "been locked", "been disabled", "been restricted", "temporarily locked",
		"reactivate", "review the attached", "view the document", "view attachment",
		"access your account", "secure your account", "seed phrase", "recovery phrase", "secret phrase", "wallet has been", "wallet suspended",
		"update your card", "update your payment method", "payment method", "payment failed", "payment was declined", "card was declined",
		"no longer valid", "card has expired", "membership has expired", "membership will be", "subscription has expired", "storage is almost full",
		"mailbox is almost full", "reached the quota", "quota limit", "verify your wallet", "pending verification", "complete the verification",
		"caixa de correio cheia", "caixa postal cheia", "sua senha expira", "senha expira", "senha expirou", "manter a mesma senha",
		"buzón lleno", "su contraseña caduca", "contraseña ha caducado", "postfach ist voll", "passwort läuft ab", "boîte aux lettres pleine",
		"mot de passe expire",
		"sua senha atual", "manter senha atual", "manter a senha atual", "senha expirará", "expiração de senha", "caixa de entrada cheia",
		"renewal failed", "renewal has failed", "could not be renewed", "unable to renew",
		// pt
		"sua conta", "atualize seus dados", "atualizar seus dados", "verifique sua conta", "conta bloqueada", "conta suspensa",
		"confirme seus dados", "regularize", "acesse sua conta", "dados cadastrais", "seu cadastro", "pontos expiram", "seus pontos",
		"valores a receber", "código de liberação", "resgate seus pontos", "resgatar seus pontos", "liberação", "efetue o resgate",
		"atualização cadastral", "bloqueio", "regularizar", "notificação emitida", "evite o bloqueio", "seus dados",
		"encomenda", "taxa de importação", "mercadoria retida", "fatura", "boleto", "pendência", "pendencia",
		// es
		"su cuenta", "verificar su cuenta", "cuenta bloqueada", "cuenta suspendida", "actualice sus datos", "confirme sus datos",
		// de
		"ihr konto", "ihre konto", "konto wurde", "bestätigen sie", "verifizieren sie", "konto gesperrt", "aktualisieren sie",
		"ihre daten", "zahlungsinformationen", "sendung", "paket",
		// fr, nl, it
		"frais de douane", "frais de livraison", "planifier la livraison", "colis", "livraison", "suspendu", "uw pakket", "uw account",
		"espace client", "toute suspension", "justificatif d'identité", "justificatif d’identité", "vos droits", "votre solde",
		"ihr speicher", "speicher ist voll", "ihr abonnement", "regularize agora", "multa pendente", "infração", "em processo de suspensão",
		"bevestig uw", "il tuo account", "il tuo pacco", "verifica il tuo",
		"votre compte", "vérifier votre", "confirmer votre", "compte suspendu", "compte bloqué", "mettre à jour vos", "votre colis",
	},
	lureUrgency: {
		"urgent", "urgently", "immediately", "within 24 hours", "within 48 hours", "within 12 hours", "24 hours", "48 hours", "final notice",
		"final warning", "last warning", "last notice", "last chance", "act now", "expires today", "expire today", "as soon as possible",
		"action required", "immediate action", "required action", "will be deleted", "will be terminated", "will be permanently",
		"failure to", "avoid suspension", "avoid interruption", "last reminder", "time sensitive", "deadline",
		"urgente", "imediatamente", "últimas horas", "ultimas horas", "último aviso", "ultimo aviso", "hoje", "prazo",
		"dringend", "sofort", "letzte mahnung", "letzte chance", "innerhalb von 24 stunden", "inmediatamente", "última oportunidad",
		"immédiatement", "dernier avis", "dernière chance",
	},
	lurePayment: {
		"wire transfer", "bank transfer", "bank details", "banking details", "change of bank", "new bank account", "bank account details",
		"updated bank", "gift card", "gift cards", "itunes card", "google play card", "steam card", "direct deposit", "payroll",
		"are you available", "are you free", "need your help", "need you to", "send me the", "w2", "w2s", "w-2", "w-2s",
		"employee records", "tax forms", "quick task", "discreet", "keep this between us", "i'm in a meeting", "i am in a meeting", "quick favor", "quick favour", "do you have a moment", "are you at your desk", "kindly", "invoice attached",
		"attached invoice", "outstanding invoice", "overdue invoice", "overdue payment", "remittance", "proforma", "payment advice",
		"payment confirmation", "swift", "iban", "purchase order", "wire", "transferência", "pagamento", "überweisung", "virement",
	},
	lureCallback: {
		"subscription", "renewal", "renewed", "auto-renewal", "auto renewal", "has been charged", "will be charged", "charged",
		"refund", "order", "invoice", "transaction", "purchase", "billing", "membership", "geek squad", "norton", "mcafee", "antivirus",
		"paypal", "payment", "receipt", "cancel", "cancellation", "dispute", "amount paid", "invoice no", "order date",
		"need assistance", "was this you", "recent login", "unauthorized", "unauthorised", "suspicious transaction", "yearly membership", "annual membership", "successfully renewed", "protection plan",
		"compra", "compra em análise", "compra aprovada", "transação", "não reconhece", "não reconheça", "cobrança", "reembolso", "assinatura",
	},
	lureCall: {
		"call us", "call our", "call the", "call now", "call at", "call immediately", "give us a call", "contact us at", "helpline",
		"toll free", "toll-free", "customer care", "support team at", "reach us at", "dial", "phone", "ligue", "llame", "rufen sie",
		"appelez", "support team is available", "need assistance", "contact our", "reach our", "helpdesk number",
	},
	lureCrypto: {
		"airdrop", "connect wallet", "connect your wallet", "claim your tokens", "tokens", "token", "seed phrase", "recovery phrase",
		"withdraw", "withdrawal", "nft", "nfts", "metaverse", "bitcoin", "btc", "eth", "ethereum", "usdt", "crypto", "cryptocurrency",
		"wallet", "digital assets", "blockchain", "staking", "rewards pool", "coins", "coin", "presale", "whitelist", "mint",
		"xrp", "xlm", "lumens", "steth", "usdc", "usd-c", "tether", "solana", "apy", "yield", "yields", "token allocation", "allocation",
		"redistribution", "withdrawals", "mining", "defi", "web3", "dapp", "claim rewards", "claim your rewards", "eligible", "rewards",
	},
	lureTechScam: {
		"virus", "viruses", "infected", "infizier", "infiziert", "viren", "malware detected", "trojan", "antivirus", "anti-virus",
		"your computer", "ihr computer", "votre ordinateur", "seu computador", "protection expired", "subscription expired", "abonnement",
		"mcafee", "norton", "avast", "security scan", "firewall", "pc is at risk", "computer is at risk",
	},
	lureExtortion: {
		"hacked your", "hacked you", "your device", "your webcam", "webcam", "video of you", "recorded you", "recording of you",
		"pornographic", "porn", "adult website", "adult websites", "your contacts", "all your contacts", "your friends and family",
		"trojan", "spyware", "malware on", "remote access", "i know your password", "your password is", "bitcoin", "btc", "wallet address",
		"send to my", "48 hours", "pay me", "compromising", "intimate", "masturbat",
	},
	lureAdvanceFee: {
		"inheritance", "beneficiary", "next of kin", "million dollars", "million usd", "million euros", "million pounds",
		"compensation fund", "lottery", "barrister", "consignment", "fund transfer", "business proposal", "investment proposal",
		"dear friend", "atm card", "unclaimed", "my late husband", "my late father", "late client", "i am dying", "cancer",
		"humanitarian", "orphanage", "charity work", "donate", "confidential", "strictly confidential", "private email",
		"reply to my private", "partnership", "percent of the total", "% of the total", "transfer of the sum", "the sum of",
		"united nations", "imf", "federal government", "diplomat", "foreign partner", "project funding", "loan offer",
		"herança", "beneficiário", "herencia", "beneficiario", "erbschaft", "tears", "sorrow", "private search",
		"god bless", "utmost care", "treat with utmost", "only daughter", "only son", "former president", "your assistance",
		"need of your assistance", "receive the fund", "receive the funds", "the funds", "lost bag", "bitcoin details", "cash it out",
		"highly placed", "government of nigeria", "nigeria", "nigerian", "this medium", "transfer the funds", "ruling party",
		"official", "project", "partner", "apologise", "apologize", "modalities", "dear partner", "dying", "donate", "donated", "donation", "million", "millions", "milhões", "millones", "fundos", "fondos", "falecido marido",
		"late husband", "oportunidade de negócio", "business opportunity", "charities", "widow", "viúva", "doou",
		"trustworthy", "honest person", "reliable person", "foreign account", "safe keeping", "security company", "deposit",
		"dormant fund", "dormant account", "orphans", "philanthropist", "diagnosed with cancer", "humanitarian grant", "business dealing",
		"urgent business", "get back to me", "kindly get back", "profitable business", "promising opportunity", "united state dollars",
		"foreign investor", "investor", "herdei", "falecido pai", "meu falecido", "milhões de dólares", "milhões de euros", "sócio",
		"investidor estrangeiro", "transferir", "fundos", "doação", "lucrativa", "colaboração internacional", "câncer", "quick claims",
		"grant has been issued", "compliment of the day", "good news for you", "boas notícias",
		"united states dollars", "in our custody", "outstanding fees", "outstanding payment", "make the claim", "your funds",
		// openers: a stranger asks whether the reader got an earlier mail and wants to confide
		"confide in you", "never met", "bold step", "intruding your privacy", "intruding into your privacy", "vital subject",
		"waiting for your response", "waiting for your reply", "received my previous email", "received my last email",
		"received the first email", "received my email", "did you receive my", "você recebeu", "te mandei um e-mail", "recebeu meu e-mail",
	},
	lurePrize: {
		"congratulations", "you have won", "you've won", "you won", "you have been selected", "you've been selected", "claim your",
		"claim now", "your reward", "reward", "prize", "free gift", "gift awaits", "winner", "exclusive reward", "loyalty program",
		"loyalty reward", "survey", "participate", "free spins", "bonus", "jackpot", "cash prize",
		"parabéns", "parabens", "prêmio", "premio", "ganhou", "resgate", "resgatar", "sorteio", "brinde",
		"herzlichen glückwunsch", "glückwunsch", "gewinn", "gewonnen", "gewinner", "gratis", "gutschein", "freispiele", "prämie",
		"preis", "gewinnen", "ausgewählt", "einmalige gelegenheit", "belohnungen", "belohnung", "auserwählt",
		"belohnt", "treue", "spins", "gefeliciteerd", "gewonnen", "prijs", "beloning", "premi", "vincitore", "hai vinto",
		"félicitations", "gagné", "gagnant", "cadeau", "felicidades", "felicitaciones", "ganado", "ganador", "regalo",
	},
	lureSpam: {
		"casino", "free spins", "freispiele", "jackpot", "betting", "sportsbook", "slots", "poker", "singles", "hot girls", "dating",
		"lonely", "sexy", "sex", "viagra", "cialis", "pills", "pharmacy", "weight loss", "lose weight", "keto", "diet", "penis",
		"enlargement", "erection", "make money", "work from home", "earn money", "financial freedom", "mortgage", "refinance",
		"credit score", "debt", "loan", "click here", "limited time", "order now", "special offer", "discount", "buy now",
		"free shipping", "100% free", "risk free", "risk-free", "no obligation", "remove me", "opt out", "opt-out", "not spam",
		"this is not spam", "you are receiving this", "to be removed", "unsubscribe", "deal", "offer expires", "lowest price",
		"best price", "cheap", "save up to", "amazing", "incredible", "miracle", "guarantee", "guaranteed", "no cost", "cash",
		"income", "profit", "crypto", "investment opportunity", "double your", "abnehmen", "rabatt", "angebot", "promoção", "desconto",
		"oferta", "grátis", "gratuit", "réduction", "solteras", "frauen", "mulheres", "femmes", "ukrainian", "russian women", "brides",
		"stock", "stocks", "penny stock", "investors", "marketing", "bulk email", "email list", "leads", "iptv", "streaming",
		"willkommensbonus", "einzahlung", "casino bonus", "miracle pill", "erectile", "dysfunction", "manhood", "potenz", "libido",
		"crédit", "financement", "prêt", "empréstimo", "crédito", "vrouwen", "meisjes", "rencontre", "flirt", "girl", "girls",
		"hookup", "horny", "naughty", "dream girl",
		"pussy", "cock", "cocks", "teens", "naked", "xxx", "adult site", "adult", "hardcore", "nude", "strips", "live chat", "webcam girls",
		"to be removed", "be removed", "click below", "visit our website", "dear sir or madam", "free access", "free membership",
		"taken off our list", "off our list", "removed from our list", "remove from list", "lower your monthly", "monthly payments",
		"save money", "as low as", "for only", "no setup fees", "no setup fee", "email addresses", "email marketing", "targeted email",
		"lbs", "free quote", "lowest rates", "low rates", "term life", "life insurance", "cost effective", "promote your business",
		"your business", "customer base", "per month", "100% custom", "money back", "satisfaction guaranteed", "free trial",
		"call now", "order today", "apply now", "pre-approved", "approved", "no credit check", "home based", "extra income",
		"be your own boss", "million email", "adv", "why pay", "dollars", "huge savings", "opportunity", "free consultation",
		"kostenlos", "sonderrabatt", "exklusiv", "limited offer", "act fast", "hurry", "while supplies last", "unsubscribe from all",
		// marketing, dating and gambling vocabulary in the other languages seen in quarantines
		"plano de saúde", "planos de saúde", "cotação", "proposta exclusiva", "tabela promocional", "condição especial", "condições especiais",
		"aproveite", "promoção", "promocional", "descadastre-se", "descadastrar", "oportunidade exclusiva", "por tempo limitado", "empréstimo",
		"empréstimos", "taxa de juros", "primeiro depósito", "cadastre-se", "gratuitos", "gratuito", "imperdível", "imperdíveis",
		"singles", "kennenlernen", "diät", "rabattcode", "sonderpreis", "jetzt registrieren", "willkommenspaket", "abmelden", "anzeige",
		"oekraïense", "alleenstaande", "subsidie", "korting", "aanbieding", "afmelden", "uitschrijven", "bespaar", "volwassen",
		"célibataires", "désinscrire", "désabonner", "se désabonner", "offre exclusive", "économies", "rachat de crédits", "désinscription",
		"darse de baja", "oferta exclusiva", "beauties", "lover", "meet singles", "remove yourself", "emails list", "sex dating", "local singles",
		// gambling
		"deposit bonus", "first deposit", "welcome bonus", "no deposit", "every deposit", "bônus", "cassino", "apostas", "aposta",
		"giros grátis", "rodadas grátis", "wager",
	},
}

// advanceFeeCore are the advance-fee phrases that carry the story; the
// others only support it.
var advanceFeeCore = []string{"inheritance", "beneficiary", "next of kin", "million dollars", "million usd", "million euros", "million pounds",
	"compensation fund", "lottery", "barrister", "consignment", "atm card", "unclaimed", "my late husband", "my late father", "late client",
	"fund transfer", "transfer of the sum", "percent of the total", "% of the total", "herança", "beneficiário", "herencia", "beneficiario",
	"erbschaft", "i am dying", "loan offer", "project funding", "only daughter", "former president", "private search",
	"doou", "falecido marido", "late husband", "widow", "viúva", "dying woman", "dying man", "five million", "cinco milhões",
	"highly placed", "government of nigeria", "nigeria", "nigerian", "this medium", "transfer the funds", "ruling party",
	"lost bag", "bitcoin details", "need of your assistance", "receive the fund", "receive the funds", "safe keeping", "security company",
	"dormant fund", "dormant account", "philanthropist", "diagnosed with cancer", "humanitarian grant", "business dealing",
	"herdei", "falecido pai", "meu falecido", "milhões de dólares", "milhões de euros", "investidor estrangeiro", "united state dollars",
	"united states dollars", "in our custody", "business proposal", "investment proposal", "business opportunity", "oportunidade de negócio",
	"promising opportunity", "profitable business", "humanitarian grant", "confide in you", "intruding your privacy", "intruding into your privacy",
	"received the first email", "received my previous email", "te mandei um e-mail"}

// phraseIndex finds lure phrases in a token stream.
type phraseIndex map[string][]lurePhrase

type lurePhrase struct {
	kind   lureKind
	tokens []string
	text   string
}

// lureIndex is built once from lurePhrases and never modified.
var lureIndex = buildPhraseIndex(lurePhrases)

func buildPhraseIndex(src map[lureKind][]string) phraseIndex {
	idx := phraseIndex{}
	for kind, list := range src {
		for _, p := range list {
			toks := tokenize(foldText(p))
			if len(toks) == 0 {
				continue
			}
			idx[toks[0]] = append(idx[toks[0]], lurePhrase{kind: kind, tokens: toks, text: p})
		}
	}
	return idx
}

// lureHits are the phrases found per family, each phrase once, in order.
type lureHits map[lureKind][]string

// match returns the lure phrases present in the token stream.
func (idx phraseIndex) match(toks []string) lureHits {
	hits := lureHits{}
	seen := map[string]bool{}
	for i, t := range toks {
		for _, p := range idx[t] {
			if i+len(p.tokens) > len(toks) {
				continue
			}
			ok := true
			for k := 1; k < len(p.tokens); k++ {
				if toks[i+k] != p.tokens[k] {
					ok = false
					break
				}
			}
			key := string(p.kind) + "|" + p.text
			if ok && !seen[key] {
				seen[key] = true
				hits[p.kind] = append(hits[p.kind], p.text)
			}
		}
	}
	return hits
}

// quoteList formats up to n phrases for evidence.
func quoteList(ps []string, n int) string {
	if len(ps) > n {
		ps = ps[:n]
	}
	q := make([]string, len(ps))
	for i, p := range ps {
		q[i] = "\"" + p + "\""
	}
	return strings.Join(q, ", ")
}
