package analysis

// This file is the one reviewed place where findings become a verdict:
// every finding id, its severity, the threat and spam points it adds and the
// category it points to. Change a number here, bump AnalyzerVersion, and
// record the new evaluation in docs/quality.md.

// Verdict thresholds on the net threat score (threat points minus benign points).
const (
	// thresholdMalicious is the net score from which a message is malicious.
	thresholdMalicious = 70
	// thresholdSuspicious is the net score from which a message is suspicious.
	thresholdSuspicious = 35
	// thresholdSpam is the spam score from which a non-threatening message is spam.
	thresholdSpam = 30
	// riskyBulkNet and riskyBulkSpam: bulk mail that also carries some risk
	// (but not enough to be suspicious) is kept as spam rather than released.
	riskyBulkNet  = 20
	riskyBulkSpam = 10
	// riskyUnvouchedNet: a message with this much risk and nothing that
	// vouches for its sender (see vouching) is not released as benign
	// either: it is kept as spam, to be released only on request. Releasing
	// a phish is the costliest mistake; holding an unverified message is the
	// cheaper one.
	riskyUnvouchedNet = 12
)

// vouching are the findings that vouch for a sender: an authenticated brand
// or tenant domain, the allow list, history with the tenant. Mail with
// riskyUnvouchedNet points or more, or bulk mail, is released as benign
// only with one of them. A discussion list (headers.mailing_list) vouches
// for bulk mail only: its headers are the sender's to write, so they cannot
// clear risk.
var vouching = []string{"auth.brand_aligned_pass", "auth.tenant_aligned_pass", "auth.allowlisted", "sender.established"}

// rule is how one finding counts.
type rule struct {
	severity Severity
	// threat is added to the threat score; negative values are benign evidence.
	threat int
	// spam is added to the spam score.
	spam int
	// category is the threat category the finding points to, if any.
	category Category
}

// rules maps every finding id a detector may emit to how it counts.
// TestRulesCoverFindings checks that no detector emits an id missing here.
var rules = map[string]rule{
	// Authentication and headers.
	"auth.dmarc_fail":              {SeverityHigh, 35, 0, ""},
	"auth.compauth_fail":           {SeverityMedium, 25, 0, ""},
	"auth.unaligned":               {SeverityMedium, 20, 0, ""},
	"auth.spf_fail":                {SeverityLow, 15, 0, ""},
	"auth.brand_unauthenticated":   {SeverityHigh, 35, 0, CategoryCredentialPhishing},
	"auth.brand_aligned_pass":      {SeverityBenign, -40, 0, ""},
	"auth.tenant_aligned_pass":     {SeverityBenign, -20, 0, ""},
	"auth.allowlisted":             {SeverityBenign, -50, 0, ""},
	"headers.deny_listed":          {SeverityCritical, 80, 0, ""},
	"headers.from_malformed":       {SeverityMedium, 25, 5, ""},
	"headers.from_ambiguous":       {SeverityMedium, 25, 5, ""},
	"headers.from_missing":         {SeverityMedium, 25, 5, ""},
	"headers.from_invalid_domain":  {SeverityHigh, 35, 5, ""},
	"headers.display_name_address": {SeverityHigh, 25, 0, CategoryCredentialPhishing},
	"headers.reply_to_freemail":    {SeverityMedium, 30, 0, CategoryBEC},
	"headers.reply_to_mismatch":    {SeverityLow, 5, 0, ""},
	"headers.bulk_sender":          {SeverityInfo, 0, 10, ""},
	"content.bulk_footer":          {SeverityInfo, 0, 10, ""},
	"headers.mailing_list":         {SeverityBenign, -10, 0, ""},
	"content.fake_reply":           {SeverityLow, 15, 0, ""},

	// Sender.
	"sender.tenant_lookalike":      {SeverityCritical, 80, 0, CategoryCredentialPhishing},
	"sender.brand_lookalike":       {SeverityCritical, 70, 0, CategoryCredentialPhishing},
	"sender.partner_lookalike":     {SeverityCritical, 70, 0, CategoryBEC},
	"sender.brand_name_in_domain":  {SeverityMedium, 30, 0, CategoryCredentialPhishing},
	"sender.tenant_name_in_domain": {SeverityHigh, 45, 0, CategoryBEC},
	"sender.brand_display_name":    {SeverityHigh, 45, 0, CategoryCredentialPhishing},
	"sender.brand_freemail":        {SeverityHigh, 55, 0, CategoryCredentialPhishing},
	"sender.vip_impersonation":     {SeverityHigh, 55, 0, CategoryBEC},
	"sender.freemail_executive":    {SeverityMedium, 25, 0, CategoryBEC},
	"sender.freemail_org_claim":    {SeverityMedium, 20, 0, ""},
	"sender.free_host_domain":      {SeverityMedium, 25, 5, ""},
	"sender.default_tenant_domain": {SeverityMedium, 25, 0, ""},
	"sender.random_local":          {SeverityMedium, 30, 10, ""},
	"sender.name_unrelated":        {SeverityLow, 10, 0, ""},
	"sender.decorated_name":        {SeverityLow, 15, 10, ""},
	"sender.random_domain":         {SeverityMedium, 25, 10, ""},
	"sender.suspicious_tld":        {SeverityLow, 12, 5, ""},
	"sender.known_bad_domain":      {SeverityHigh, 60, 0, ""},
	"sender.established":           {SeverityBenign, -40, 0, ""},
	"sender.first_time":            {SeverityInfo, 5, 0, ""},

	// Links.
	"links.deny_listed":            {SeverityCritical, 80, 0, ""},
	"links.lookalike":              {SeverityCritical, 60, 0, CategoryCredentialPhishing},
	"links.brand_name_in_domain":   {SeverityLow, 12, 0, CategoryCredentialPhishing},
	"links.password_form":          {SeverityCritical, 60, 0, CategoryCredentialPhishing},
	"links.form_in_body":           {SeverityLow, 8, 0, CategoryCredentialPhishing},
	"links.meta_refresh":           {SeverityMedium, 25, 0, CategoryCredentialPhishing},
	"links.qr_code":                {SeverityMedium, 25, 0, CategoryCredentialPhishing},
	"links.ip_host":                {SeverityHigh, 30, 0, CategoryCredentialPhishing},
	"links.garbled_host":           {SeverityHigh, 35, 5, ""},
	"links.punycode":               {SeverityMedium, 25, 0, CategoryCredentialPhishing},
	"links.shortener":              {SeverityLow, 15, 5, ""},
	"links.free_host":              {SeverityMedium, 20, 0, CategoryCredentialPhishing},
	"links.suspicious_tld":         {SeverityLow, 12, 5, ""},
	"links.abused_redirect":        {SeverityHigh, 30, 0, CategoryCredentialPhishing},
	"links.open_redirect":          {SeverityLow, 8, 0, ""},
	"links.credential_path":        {SeverityLow, 8, 0, CategoryCredentialPhishing},
	"links.compromised_site":       {SeverityMedium, 20, 0, CategoryCredentialPhishing},
	"links.random_domain":          {SeverityLow, 15, 5, ""},
	"links.brand_display_mismatch": {SeverityHigh, 40, 0, CategoryCredentialPhishing},
	"links.display_mismatch":       {SeverityLow, 8, 0, ""},
	"links.script_uri":             {SeverityMedium, 20, 0, CategoryCredentialPhishing},
	"links.brand_assets":           {SeverityMedium, 25, 0, CategoryCredentialPhishing},
	"links.freemail_file_share":    {SeverityMedium, 20, 0, CategoryCredentialPhishing},
	"links.random_script":          {SeverityMedium, 25, 0, CategoryCredentialPhishing},
	"links.prefilled_email":        {SeverityMedium, 25, 0, CategoryCredentialPhishing},
	"links.sender_aligned":         {SeverityBenign, -10, 0, ""},

	// Attachments.
	"attach.executable":        {SeverityCritical, 80, 0, CategoryMalware},
	"attach.shortcut":          {SeverityCritical, 80, 0, CategoryMalware},
	"attach.disk_image":        {SeverityHigh, 60, 0, CategoryMalware},
	"attach.mobileconfig":      {SeverityHigh, 60, 0, CategoryMalware},
	"attach.html_smuggling":    {SeverityCritical, 80, 0, CategoryMalware},
	"attach.html_form":         {SeverityCritical, 70, 0, CategoryCredentialPhishing},
	"attach.html_script":       {SeverityHigh, 45, 0, CategoryCredentialPhishing},
	"attach.html":              {SeverityMedium, 25, 0, CategoryCredentialPhishing},
	"attach.calendar_links":    {SeverityMedium, 20, 0, CategoryCredentialPhishing},
	"attach.macros":            {SeverityHigh, 50, 0, CategoryMalware},
	"attach.remote_template":   {SeverityHigh, 50, 0, CategoryMalware},
	"attach.encrypted":         {SeverityMedium, 20, 0, CategoryMalware},
	"attach.onenote":           {SeverityHigh, 50, 0, CategoryMalware},
	"attach.pdf_active":        {SeverityHigh, 40, 0, CategoryMalware},
	"attach.pdf_links":         {SeverityLow, 15, 0, CategoryCredentialPhishing},
	"attach.double_extension":  {SeverityCritical, 80, 0, CategoryMalware},
	"attach.type_mismatch":     {SeverityLow, 10, 0, ""},
	"attach.encrypted_archive": {SeverityMedium, 25, 0, CategoryMalware},
	"attach.archive_dangerous": {SeverityCritical, 70, 0, CategoryMalware},
	"attach.password_in_body":  {SeverityHigh, 30, 0, CategoryMalware},

	// Content.
	"content.credential_lure_strong": {SeverityHigh, 35, 0, CategoryCredentialPhishing},
	"content.credential_lure":        {SeverityLow, 12, 0, CategoryCredentialPhishing},
	"content.urgency":                {SeverityMedium, 15, 0, ""},
	"content.payment_request":        {SeverityLow, 15, 0, CategoryBEC},
	"content.bec_request":            {SeverityHigh, 40, 0, CategoryBEC},
	"content.callback":               {SeverityHigh, 55, 0, CategoryCallbackPhishing},
	"content.extortion":              {SeverityCritical, 70, 0, CategoryExtortion},
	"content.advance_fee":            {SeverityHigh, 45, 0, CategoryScam},
	"content.prize":                  {SeverityMedium, 25, 15, CategoryScam},
	"content.crypto_lure":            {SeverityMedium, 35, 5, CategoryScam},
	"content.tech_support_scam":      {SeverityHigh, 35, 0, CategoryCallbackPhishing},
	"content.shouting_subject":       {SeverityInfo, 0, 15, ""},
	"content.hash_buster":            {SeverityLow, 5, 25, ""},
	"content.spam_words":             {SeverityInfo, 0, 30, ""},
	"content.spam_words_strong":      {SeverityInfo, 0, 45, ""},
	"content.brand_mention":          {SeverityLow, 25, 0, CategoryCredentialPhishing},
	"content.helpdesk_brand":         {SeverityMedium, 20, 0, CategoryCredentialPhishing},
	"content.mailbox_notice":         {SeverityMedium, 25, 0, CategoryCredentialPhishing},
	"content.email_greeting":         {SeverityMedium, 25, 5, ""},
	"content.offmail_contact":        {SeverityMedium, 30, 0, CategoryScam},
	"content.form_abuse":             {SeverityMedium, 35, 10, CategoryScam},
	"content.mixed_script":           {SeverityHigh, 35, 0, ""},
	"content.styled_unicode":         {SeverityMedium, 20, 10, ""},
	"content.zero_width":             {SeverityMedium, 20, 5, ""},
	"content.hidden_text":            {SeverityLow, 15, 10, ""},
	"content.image_only":             {SeverityMedium, 20, 10, ""},
	"content.empty":                  {SeverityLow, 15, 5, ""},

	// Parser defects.
	"defects.structure": {SeverityLow, 10, 5, ""},
	"defects.limit":     {SeverityInfo, 5, 0, ""},
}
