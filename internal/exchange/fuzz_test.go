package exchange

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// FuzzDecode feeds arbitrary answers to the decoders: they never panic, an
// error always has a kind and a message, and decoded times are UTC.
func FuzzDecode(f *testing.F) {
	f.Add(403, []byte("\x00\x00\x00\x00"))
	f.Add(400, []byte(`{"error":{"code":"BadRequest","message":"Invalid Operation","details":[{"code":"Client","message":"a|b|c"}],"innererror":{"internalexception":{"message":"m","type":"t"}}}}`))
	f.Add(404, []byte(`{"error":{"details":[{"message":"Ex6F9304|X.NotFoundException|couldn't be found"}]}}`))
	f.Add(200, []byte(`{"value":[{"Identity":"a\\b","ReceivedTime":"2026-07-22T08:58:01.4564204+00:00","Size":"12","Released":"True","RecipientAddress":"x@y","Type":"High Confidence Phish","ReleaseStatus":"NOTRELEASED","Expires":"/Date(1700000000000)/"}]}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 400
		}
		e := &Error{Cmdlet: "X"}
		decodeError(e, status, body)
		if e.Kind == nil || e.Message == "" {
			t.Fatalf("error without kind or message: %+v", e)
		}
		_ = e.Error()
		var ans invokeAnswer
		if json.Unmarshal(body, &ans) != nil {
			return
		}
		for _, v := range ans.Value {
			m := messageFromRow(Row(v))
			for _, tm := range []time.Time{m.ReceivedTime, m.Expires} {
				if !tm.IsZero() && tm.Location() != time.UTC {
					t.Fatalf("time %v is not UTC", tm)
				}
			}
		}
		_ = retryAfter(http.Header{"Retry-After": {string(body)}}, time.Unix(0, 0))
	})
}
