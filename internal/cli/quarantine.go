package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/entra"
	"github.com/qtriage/qtriage/internal/exchange"
	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/store"
)

// quarantineCommand is `qtriage quarantine`: the quarantine cmdlets of a
// tenant's Exchange Online.
func (a *app) quarantineCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "quarantine", Short: "List, export, preview, release and delete quarantined mail in a tenant's Exchange Online"}
	cmd.AddCommand(a.quarantineListCommand(), a.quarantineExportCommand(), a.quarantinePreviewCommand(),
		a.quarantineHeaderCommand(), a.quarantineReleaseCommand(), a.quarantineDeleteCommand(), a.quarantineAuditCommand())
	return cmd
}

// exchangeClient builds the tenant's Exchange client: its MSAL client with
// the active certificate (key decrypted in memory) and the InvokeCommand
// client on top.
func (a *app) exchangeClient(ctx context.Context, slug string) (*exchange.Client, store.Tenant, error) {
	svc, err := a.tenants(ctx)
	if err != nil {
		return nil, store.Tenant{}, err
	}
	log, err := a.logger()
	if err != nil {
		return nil, store.Tenant{}, err
	}
	t, err := svc.Get(ctx, slug)
	if err != nil {
		return nil, store.Tenant{}, err
	}
	src, err := entra.ForTenant(ctx, svc, slug, entra.Config{Log: log})
	if err != nil {
		return nil, store.Tenant{}, err
	}
	// With PostgreSQL, the command's requests count against the tenant's
	// limit like those of the running serve and worker processes.
	cfg, _ := a.config()
	slots, closeSlots, err := ingest.OpenSlots(ctx, cfg.DB, 4)
	if err != nil {
		return nil, store.Tenant{}, err
	}
	a.closers = append(a.closers, closeSlots)
	c, err := exchange.New(exchange.Config{
		BaseURL: src.Endpoints().ExchangeURL, Organization: t.Connection.Organization, DirectoryID: t.Connection.DirectoryID,
		Tokens: src, HTTPClient: src.HTTPClient(), Now: a.now, Log: log, Slots: slots,
	})
	if err != nil {
		return nil, store.Tenant{}, err
	}
	return c, t, nil
}

func (a *app) quarantineListCommand() *cobra.Command {
	var (
		types, statuses, senders, recipients []string
		from, to, subject, direction         string
		asJSON                               bool
	)
	cmd := &cobra.Command{
		Use:   "list <slug>",
		Short: "List quarantined messages (default: the last 16 days)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := listFilter(types, statuses, senders, recipients, from, to, subject, direction)
			if err != nil {
				return err
			}
			c, _, err := a.exchangeClient(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			ms, err := c.ListAll(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				if ms == nil {
					ms = []exchange.Message{}
				}
				return printJSON(a.stdout, ms)
			}
			w := table(a.stdout)
			fmt.Fprintln(w, "RECEIVED\tTYPE\tSTATUS\tSENDER\tRECIPIENT\tSUBJECT\tIDENTITY")
			for _, m := range ms {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ReceivedTime.Format("2006-01-02 15:04"), m.Type, m.ReleaseStatus,
					printable(m.SenderAddress, 40), printable(strings.Join(m.RecipientAddress, ","), 40), printable(m.Subject, 60), m.Identity)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stderr, "%d messages\n", len(ms))
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&types, "type", nil, "quarantine types, e.g. Phish,HighConfPhish,Malware,Spam,Bulk")
	fl.StringVar(&from, "from", "", "received on or after (2006-01-02 or RFC 3339; at most 30 days back)")
	fl.StringVar(&to, "to", "", "received on or before (a date includes the whole day)")
	fl.StringSliceVar(&senders, "sender", nil, "sender addresses")
	fl.StringSliceVar(&recipients, "recipient", nil, "recipient addresses")
	fl.StringVar(&subject, "subject", "", "text the subject contains")
	fl.StringSliceVar(&statuses, "release-status", nil, "release states, e.g. NotReleased,Released,Requested")
	fl.StringVar(&direction, "direction", "", "Inbound or Outbound")
	fl.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// listFilter turns the list command's flags into a filter, reporting every
// bad value at once.
func listFilter(types, statuses, senders, recipients []string, from, to, subject, direction string) (exchange.Filter, error) {
	f := exchange.Filter{Senders: senders, Recipients: recipients, Subject: subject}
	var errs []error
	for _, s := range types {
		t, ok := exchange.ParseQuarantineType(s)
		if !ok {
			errs = append(errs, fmt.Errorf("--type %q: want one of %v", s, exchange.QuarantineTypes()))
			continue
		}
		f.Types = append(f.Types, t)
	}
	for _, s := range statuses {
		st, ok := exchange.ParseReleaseStatus(s)
		if !ok {
			errs = append(errs, fmt.Errorf("--release-status %q: want one of %v", s, exchange.ReleaseStatuses()))
			continue
		}
		f.ReleaseStatus = append(f.ReleaseStatus, st)
	}
	var err error
	if f.StartReceived, _, err = parseDate(from, false); err != nil {
		errs = append(errs, fmt.Errorf("--from: %w", err))
	}
	if f.EndReceived, _, err = parseDate(to, true); err != nil {
		errs = append(errs, fmt.Errorf("--to: %w", err))
	}
	switch strings.ToLower(direction) {
	case "":
	case "inbound":
		f.Direction = exchange.Inbound
	case "outbound":
		f.Direction = exchange.Outbound
	default:
		errs = append(errs, fmt.Errorf("--direction %q: want Inbound or Outbound", direction))
	}
	return f, errors.Join(errs...)
}

// parseDate reads a date (UTC; endOfDay makes it inclusive) or an RFC 3339
// time.
func parseDate(s string, endOfDay bool) (time.Time, bool, error) {
	if s == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if endOfDay {
			t = t.Add(24*time.Hour - time.Second)
		}
		return t, true, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%q is neither a date (2006-01-02) nor an RFC 3339 time", s)
	}
	return t.UTC(), true, nil
}

func (a *app) quarantineExportCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export <slug> <identity>",
		Short: "Export a quarantined message as raw RFC 5322 (.eml), to stdout by default",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.exchangeClient(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			eml, err := c.Export(cmd.Context(), args[1])
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = a.stdout.Write(eml)
				return err
			}
			// Mail in quarantine may be malicious or private: owner only.
			if err := os.WriteFile(out, eml, 0o600); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stderr, "wrote %s (%d bytes)\n", out, len(eml))
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write (default stdout)")
	return cmd
}

func (a *app) quarantinePreviewCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "preview <slug> <identity>",
		Short: "Show a quarantined message's subject and body as Exchange previews it",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.exchangeClient(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			p, err := c.Preview(cmd.Context(), args[1])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.stdout, p)
			}
			w := a.stdout
			fmt.Fprintf(w, "Received: %s\n", p.ReceivedTime.Format(time.RFC3339))
			fmt.Fprintf(w, "From: %s\n", printable(p.Sender, 0))
			fmt.Fprintf(w, "To: %s\n", printable(strings.Join(p.Recipients, ", "), 0))
			if len(p.Cc) > 0 {
				fmt.Fprintf(w, "Cc: %s\n", printable(strings.Join(p.Cc, ", "), 0))
			}
			fmt.Fprintf(w, "Subject: %s\n", printable(p.Subject, 0))
			if len(p.Attachments) > 0 {
				fmt.Fprintf(w, "Attachments: %s\n", printable(strings.Join(p.Attachments, ", "), 0))
			}
			kind := "text"
			if p.IsHTML {
				kind = "HTML source, not rendered"
			}
			_, err = fmt.Fprintf(w, "\n--- body (%s) ---\n%s\n", kind, printableText(p.Body))
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) quarantineHeaderCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "header <slug> <identity>",
		Short: "Show a quarantined message's header block",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.exchangeClient(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			h, err := c.Header(cmd.Context(), args[1])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(a.stdout, strings.TrimRight(printableText(h), "\n"))
			return err
		},
	}
	return cmd
}

func (a *app) quarantineReleaseCommand() *cobra.Command {
	var (
		o   exchange.ReleaseOptions
		yes bool
	)
	cmd := &cobra.Command{
		Use:   "release <slug> <identity>... (--to-all | --user ADDR...) --yes",
		Short: "Release quarantined messages to all their recipients or to some users (audited)",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			slug, ids := args[0], args[1:]
			if o.ToAll == (len(o.Users) > 0) {
				return errors.New("give either --to-all or --user ADDR (one or more)")
			}
			target := "to all their recipients"
			if !o.ToAll {
				target = "to " + strings.Join(o.Users, ", ")
			}
			what := fmt.Sprintf("release %d message(s) of tenant %s %s", len(ids), slug, target)
			if o.AllowSender {
				what += ", allow their senders"
			}
			if o.ReportFalsePositive {
				what += ", report them to Microsoft as false positives"
			}
			if !yes {
				return exitError{code: 2, err: fmt.Errorf("would %s: %s\nnothing done: add --yes to do it", what, strings.Join(ids, " "))}
			}
			opts := map[string]string{"to_all": strconv.FormatBool(o.ToAll), "users": strings.Join(o.Users, ","),
				"allow_sender": strconv.FormatBool(o.AllowSender), "report_false_positive": strconv.FormatBool(o.ReportFalsePositive),
				"force": strconv.FormatBool(o.Force)}
			return a.audited(cmd.Context(), slug, "quarantine.release", ids, opts, func(c *exchange.Client) error {
				return c.Release(cmd.Context(), ids, o)
			}, "released")
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.ToAll, "to-all", false, "release to every recipient of the message")
	fl.StringSliceVar(&o.Users, "user", nil, "release to these recipients only")
	fl.BoolVar(&o.AllowSender, "allow-sender", false, "also add the sender to the allow list")
	fl.BoolVar(&o.ReportFalsePositive, "report-false-positive", false, "also report the message to Microsoft as a false positive")
	fl.BoolVar(&o.Force, "force", false, "release again a message already released")
	fl.BoolVar(&yes, "yes", false, "do it (without --yes, only say what would be done)")
	return cmd
}

func (a *app) quarantineDeleteCommand() *cobra.Command {
	var hard, yes bool
	cmd := &cobra.Command{
		Use:   "delete <slug> <identity>... [--hard] --yes",
		Short: "Delete quarantined messages (audited)",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			slug, ids := args[0], args[1:]
			what := fmt.Sprintf("delete %d message(s) of tenant %s from quarantine", len(ids), slug)
			if hard {
				what += " for good (hard delete: not even an administrator can recover them)"
			}
			if !yes {
				return exitError{code: 2, err: fmt.Errorf("would %s: %s\nnothing done: add --yes to do it", what, strings.Join(ids, " "))}
			}
			return a.audited(cmd.Context(), slug, "quarantine.delete", ids, map[string]string{"hard": strconv.FormatBool(hard)},
				func(c *exchange.Client) error { return c.Delete(cmd.Context(), ids, hard) }, "deleted")
		},
	}
	cmd.Flags().BoolVar(&hard, "hard", false, "hard delete (unrecoverable)")
	cmd.Flags().BoolVar(&yes, "yes", false, "do it (without --yes, only say what would be done)")
	return cmd
}

func (a *app) quarantineAuditCommand() *cobra.Command {
	var (
		limit  int
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "audit <slug>",
		Short: "Show the tenant's audit log of releases and deletes, newest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, t, err := a.tenant(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			evs, err := st.AuditEvents(cmd.Context(), t.ID, limit)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]store.AuditView, len(evs))
				for i, e := range evs {
					out[i] = e.View()
				}
				return printJSON(a.stdout, out)
			}
			w := table(a.stdout)
			fmt.Fprintln(w, "WHEN\tWHO\tACTION\tOUTCOME\tMESSAGES\tDETAIL")
			for _, e := range evs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", e.At.Format("2006-01-02 15:04:05"), printable(e.Actor, 30), e.Action, e.Outcome,
					len(e.Identities), printable(e.Detail, 80))
			}
			return w.Flush()
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many events (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// actor is who runs the CLI, for the audit log.
func (a *app) actor() string {
	if u := strings.TrimSpace(a.getenv("USER")); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// audited runs a write action and records it, with Microsoft's answer, in
// the tenant's audit log, whether it succeeded or not.
func (a *app) audited(ctx context.Context, slug, action string, ids []string, opts map[string]string, do func(*exchange.Client) error, done string) error {
	c, t, err := a.exchangeClient(ctx, slug)
	if err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	log, _ := a.logger()
	err = do(c)
	ev := store.AuditEvent{ID: uuid.NewString(), TenantID: t.ID, At: a.now().UTC(), Actor: a.actor(), Action: action,
		Identities: ids, Options: opts, Outcome: store.AuditOK, Detail: done}
	if err != nil {
		ev.Outcome, ev.Detail = store.AuditFailed, err.Error()
	}
	// Recorded even when the command was interrupted.
	actx, cancel := contextWithoutCancel(ctx, 10*time.Second)
	defer cancel()
	if aerr := st.AddAudit(actx, ev); aerr != nil {
		log.Error("audit event not recorded", "tenant", slug, "action", action, "identities", ids, "outcome", ev.Outcome, "err", aerr)
		return errors.Join(err, fmt.Errorf("%s: the audit log could not record it: %w", action, aerr))
	}
	log.Info("audited", "tenant", slug, "action", action, "actor", ev.Actor, "identities", len(ids), "outcome", ev.Outcome, "audit_id", ev.ID)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s %d message(s)\n", done, len(ids))
	return err
}

// printable makes text safe for a terminal: control characters (escape
// sequences in a hostile subject) become U+FFFD; width > 0 shortens it.
func printable(s string, width int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return '\uFFFD'
		}
		return r
	}, s)
	if width > 0 && len([]rune(s)) > width {
		s = string([]rune(s)[:width-1]) + "…"
	}
	return s
}

// printableText is printable for multi-line text: it keeps newlines and
// tabs.
func printableText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}
