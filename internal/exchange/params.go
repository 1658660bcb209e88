package exchange

import (
	"time"
)

// DateLayout is how dates are sent: UTC, to the second.
const DateLayout = "2006-01-02T15:04:05"

// Params are a cmdlet's parameters. Values are encoded as the admin API
// reads them: time.Time as a UTC DateLayout string, []string as a JSON
// array, a switch as true; nil values and zero times are left out. A nil
// Params is sent as {} (never null).
type Params map[string]any

// encode returns the JSON-ready parameters.
func (p Params) encode() map[string]any {
	out := make(map[string]any, len(p))
	for k, v := range p {
		switch x := v.(type) {
		case nil:
			continue
		case time.Time:
			if x.IsZero() {
				continue
			}
			out[k] = x.UTC().Format(DateLayout)
		case []string:
			if x == nil {
				continue
			}
			out[k] = x
		default:
			out[k] = v
		}
	}
	return out
}
