package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/webhook"
)

func (a *app) webhookCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "webhook", Short: "Manage a tenant's outgoing webhooks (report.ready, action.taken)"}
	var slug, desc string
	var events []string
	add := &cobra.Command{
		Use:   "add --tenant SLUG URL [--event report.ready --event action.taken] [--description TEXT]",
		Short: "Register a webhook and print its signing secret, once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, err := a.tenants(ctx)
			if err != nil {
				return err
			}
			st, t, err := a.tenant(ctx, slug)
			if err != nil {
				return err
			}
			cfg, _ := a.config()
			h, secret, err := webhook.Create(ctx, st, svc.KEK, t.ID, a.actor(), webhook.NewWebhook{URL: args[0], Description: desc, Events: events}, cfg.WebhookAllowInsecure, a.now())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "webhook %s\nevents  %s\nsecret  %s\n(the secret is not shown again)\n", h.ID, strings.Join(h.Events, ", "), secret)
			return err
		},
	}
	add.Flags().StringArrayVar(&events, "event", nil, "event type to send: "+strings.Join(store.EventTypes, ", ")+" (default: all)")
	add.Flags().StringVar(&desc, "description", "", "what the endpoint is")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list --tenant SLUG [--json]",
		Short: "List a tenant's webhooks and their last delivery",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, t, err := a.tenant(cmd.Context(), slug)
			if err != nil {
				return err
			}
			hooks, err := st.Webhooks(cmd.Context(), t.ID)
			if err != nil {
				return err
			}
			if asJSON {
				type view struct {
					ID, URL, Description string
					Events               []string
					LastStatus           int
					LastError            string
				}
				out := []view{}
				for _, h := range hooks {
					out = append(out, view{h.ID, h.URL, h.Description, h.Events, h.LastStatus, h.LastError})
				}
				return json.NewEncoder(a.stdout).Encode(out)
			}
			for _, h := range hooks {
				last := "no delivery yet"
				if h.LastDeliveryAt != nil {
					last = fmt.Sprintf("last %s HTTP %d %s", h.LastDeliveryAt.Format("2006-01-02 15:04:05"), h.LastStatus, printable(h.LastError, 80))
				}
				if _, err := fmt.Fprintf(a.stdout, "%s  %s  [%s]  %s\n", h.ID, h.URL, strings.Join(h.Events, ","), last); err != nil {
					return err
				}
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	remove := &cobra.Command{
		Use:   "remove --tenant SLUG ID",
		Short: "Remove a webhook and its pending deliveries",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, t, err := a.tenant(cmd.Context(), slug)
			if err != nil {
				return err
			}
			if err := webhook.Remove(cmd.Context(), st, t.ID, a.actor(), args[0], a.now()); err != nil {
				return fmt.Errorf("webhook %s: %w", args[0], err)
			}
			return nil
		},
	}
	test := &cobra.Command{
		Use:   "test --tenant SLUG ID",
		Short: "Queue a ping event for a webhook (sent by the running serve or worker processes)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, t, err := a.tenant(cmd.Context(), slug)
			if err != nil {
				return err
			}
			id, err := st.PingWebhook(cmd.Context(), t.ID, args[0], a.now())
			if err != nil {
				return fmt.Errorf("webhook %s: %w", args[0], err)
			}
			_, err = fmt.Fprintf(a.stdout, "ping queued: delivery %s\n", id)
			return err
		},
	}
	for _, c := range []*cobra.Command{add, list, remove, test} {
		c.Flags().StringVar(&slug, "tenant", "", "the tenant's slug (required)")
		_ = c.MarkFlagRequired("tenant")
		cmd.AddCommand(c)
	}
	return cmd
}
