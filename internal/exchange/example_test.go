package exchange_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/qtriage/qtriage/internal/exchange"
)

// staticTokens is a TokenSource with one token (qtriage uses *entra.Source).
type staticTokens string

func (s staticTokens) Token(context.Context) (string, error)           { return string(s), nil }
func (s staticTokens) Refresh(context.Context, string) (string, error) { return string(s), nil }

func ExampleClient_ListQuarantine() {
	// A stand-in for https://outlook.office365.com.
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"value":[{"Identity":"86bab6ca-b175-4b84-d76c-08dee7cf55a8\\3423484b-11a9-58cc-cf4e-784af1dcf73c",
			"ReceivedTime@data.type":"System.DateTime","ReceivedTime":"2026-07-22T08:58:01.4564204+00:00",
			"SenderAddress":"service@paypa1-login.top","Type":"High Confidence Phish","QuarantineTypes":"HighConfPhish",
			"ReleaseStatus":"NOTRELEASED"}]}`)
	}))
	defer srv.Close()

	c, err := exchange.New(exchange.Config{
		BaseURL: srv.URL, Organization: "contoso.onmicrosoft.com",
		Tokens: staticTokens("token"), HTTPClient: srv.Client(),
	})
	if err != nil {
		panic(err)
	}
	f := exchange.Filter{Types: []exchange.QuarantineType{exchange.TypePhish, exchange.TypeHighConfPhish}}
	for m, err := range c.ListQuarantine(context.Background(), f) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(m.ReceivedTime.Format("2006-01-02 15:04"), m.Type, m.ReleaseStatus, m.SenderAddress)
	}
	// Output: 2026-07-22 08:58 HighConfPhish NotReleased service@paypa1-login.top
}
