package cli

import (
	"context"
	"net/url"
	"time"
)

// contextWithoutCancel gives shutdown work its own deadline after the
// command's context was cancelled by a signal.
func contextWithoutCancel(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}

// redactDB hides a password in a database URL before it is logged.
func redactDB(db string) string {
	u, err := url.Parse(db)
	if err != nil || u.User == nil {
		return db
	}
	return u.Redacted()
}
