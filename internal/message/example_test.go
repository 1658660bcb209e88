package message_test

import (
	"fmt"

	"github.com/qtriage/qtriage/internal/message"
)

func ExampleParse() {
	raw := []byte("From: \"IT Desk\" <it@example.com>\r\n" +
		"To: user@example.org\r\n" +
		"Subject: =?UTF-8?Q?Password_expires_today_=E2=9A=A0?=\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n" +
		"Authentication-Results: spf=fail (sender IP is 192.0.2.7) smtp.mailfrom=example.net; dkim=none (message not signed) header.d=none;dmarc=fail action=quarantine header.from=example.com;compauth=fail reason=000\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"\r\n" +
		"<p>Keep your password: <a href=\"https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Flogin.example-portal.test%2F&amp;data=1\">https://portal.example.com</a></p>" +
		"<div style=\"display:none\">quarterly newsletter</div>\r\n")
	m, err := message.Parse(raw, message.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.From.Name, m.From.Address)
	fmt.Println(m.Subject)
	fmt.Println(m.Auth.Microsoft.DMARC, m.Auth.Microsoft.DMARCAction, m.Auth.Microsoft.CompAuth, m.Auth.Microsoft.CompAuthReason)
	for _, l := range m.Links {
		fmt.Printf("%s %q -> %s (%s)\n", l.Source, l.Text, l.Unwrapped, l.Domain)
	}
	fmt.Println(m.VisibleText)
	for _, h := range m.Hidden {
		fmt.Println(h.Kind, h.Text)
	}
	// Output:
	// IT Desk it@example.com
	// Password expires today ⚠
	// fail quarantine fail 000
	// href "https://portal.example.com" -> https://login.example-portal.test/ (example-portal.test)
	// Keep your password: https://portal.example.com
	// display_none quarterly newsletter
}

func ExampleUnwrap() {
	target, wrappers := message.Unwrap("https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.google.com%2Furl%3Fq%3Dhttps%3A%2F%2Flogin.example.test%2F&data=05")
	fmt.Println(target, wrappers)
	// Output:
	// https://login.example.test/ [safelinks redirect:www.google.com]
}

func ExampleParseAuthResults() {
	ar := message.ParseAuthResults("spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none header.from=example.com;compauth=pass reason=109")
	for _, m := range ar.Methods {
		fmt.Printf("%s=%s reason=%q action=%q\n", m.Method, m.Result, m.Reason, m.Prop("action"))
	}
	// Output:
	// spf=pass reason="sender IP is 192.0.2.1" action=""
	// dkim=none reason="message not signed" action=""
	// dmarc=bestguesspass reason="" action="none"
	// compauth=pass reason="109" action=""
}
