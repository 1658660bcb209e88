// Package webhook sends a tenant's events (report.ready, action.taken) to
// the URLs its admins registered, signed with HMAC-SHA256 and retried with
// backoff. Events are queued by the store in the transaction of what caused
// them (store.Webhooks); a Dispatcher in every serve and worker process
// claims due deliveries and sends them.
//
// Each request carries:
//
//	Content-Type: application/json
//	X-Qtriage-Event: report.ready
//	X-Qtriage-Delivery: <delivery id>
//	X-Qtriage-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// Receivers check the signature with Verify (or its few lines in any
// language), refuse old timestamps, and de-duplicate on the event's id:
// delivery is at least once.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Header names.
const (
	HeaderEvent     = "X-Qtriage-Event"
	HeaderDelivery  = "X-Qtriage-Delivery"
	HeaderSignature = "X-Qtriage-Signature"
)

// secretPrefix marks qtriage webhook secrets, so a leaked one is recognisable.
const secretPrefix = "whsec_"

// NewSecret returns a new random signing secret (256 bits).
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Sign returns the X-Qtriage-Signature value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("webhook: no valid signature")
	ErrStale        = errors.New("webhook: signature timestamp outside the tolerance")
	ErrBadSignature = errors.New("webhook: signature does not match")
)

// Verify checks a signature header against body: the timestamp must be
// within tolerance of now, and one v1 value must match (in constant time).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
		case k == "t":
			ts = v
		case k == "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}

// CheckURL validates a webhook URL as registered: absolute https (http
// only when insecure targets are allowed), a host, no credentials, at most
// 2,000 characters. Where it resolves is checked at each connection.
func CheckURL(raw string, allowInsecure bool) (*url.URL, error) {
	if len(raw) > 2000 {
		return nil, errors.New("the URL is longer than 2,000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	switch {
	case u.Scheme == "http" && !allowInsecure:
		return nil, errors.New("the URL must use https (http is allowed only with webhook_allow_insecure)")
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, errors.New("the URL must start with https://")
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("the URL has no host")
	case u.User != nil:
		return nil, errors.New("the URL must not carry credentials: authenticate the request by its signature")
	case u.Fragment != "":
		return nil, errors.New("the URL must not have a fragment")
	}
	if !allowInsecure {
		if ip := net.ParseIP(u.Hostname()); ip != nil && !publicIP(ip) {
			return nil, fmt.Errorf("%s is not a public address (allowed only with webhook_allow_insecure)", ip)
		}
		if h := strings.TrimSuffix(strings.ToLower(u.Hostname()), "."); h == "localhost" || strings.HasSuffix(h, ".localhost") {
			return nil, errors.New("localhost is not allowed (only with webhook_allow_insecure)")
		}
	}
	return u, nil
}

// publicIP reports whether ip is an address on the public internet: not
// loopback, private, link-local (cloud metadata lives there), multicast,
// unspecified, CGNAT or another reserved range.
func publicIP(ip net.IP) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, n := range reserved {
		if n.Contains(ip) {
			return false
		}
	}
	return true
}

var reserved = func() []*net.IPNet {
	var out []*net.IPNet
	for _, c := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "240.0.0.0/4", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32",
	} {
		_, n, _ := net.ParseCIDR(c)
		out = append(out, n)
	}
	return out
}()
