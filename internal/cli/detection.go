package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

// detectionCommand shows and changes a tenant's detection settings, as the
// console's Settings → Detection page does.
func (a *app) detectionCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "detection", Short: "Show or change a tenant's detection settings (its domains, VIPs, partners, allow and deny lists)"}
	var slug string
	var asJSON bool
	show := &cobra.Command{
		Use:   "show --tenant SLUG [--json]",
		Short: "Print the tenant's detection settings",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, t, err := a.tenant(cmd.Context(), slug)
			if err != nil {
				return err
			}
			d, err := st.DetectionSettings(cmd.Context(), t.ID)
			if err != nil {
				return err
			}
			return a.printDetection(d, asJSON)
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var lists [5][]string
	var clear []string
	set := &cobra.Command{
		Use:   "set --tenant SLUG [--accepted-domain D]... [--vip NAME]... [--partner D]... [--allow A]... [--deny A]... [--clear LIST]...",
		Short: "Replace the lists given (the others stay as they are); audited",
		Long: "Replace each list named by at least one flag with the values given (repeat the flag for several), " +
			"and empty each list named by --clear (accepted_domains, vips, partners, allow, deny); the lists not named " +
			"stay as they are. The change applies to messages analysed after it; `qtriage reanalyze --tenant SLUG` " +
			"applies it to the others. The save fails, and changes nothing, if someone else saved the settings meanwhile.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, t, err := a.tenant(ctx, slug)
			if err != nil {
				return err
			}
			cur, err := st.DetectionSettings(ctx, t.ID)
			if err != nil {
				return err
			}
			next := cur
			named := next.Lists()
			for _, name := range clear {
				i := slices.IndexFunc(named[:], func(l store.DetectionList) bool { return l.Name == name })
				if i < 0 {
					return fmt.Errorf("--clear %q: not a list (accepted_domains, vips, partners, allow, deny)", name)
				}
				*named[i].Entries = nil
			}
			for i, l := range named {
				if cmd.Flags().Changed(detectionFlags[i]) {
					*l.Entries = lists[i]
				}
			}
			svc := &tenant.Service{Store: st, Now: a.now}
			prev := cur.UpdatedAt
			saved, err := svc.SaveDetection(ctx, t, a.actor(), next, &prev)
			if err != nil {
				return err
			}
			return a.printDetection(saved, false)
		},
	}
	for i, f := range detectionFlags {
		set.Flags().StringArrayVar(&lists[i], f, nil, detectionFlagHelp[i])
	}
	set.Flags().StringArrayVar(&clear, "clear", nil, "empty this list: accepted_domains, vips, partners, allow or deny (repeatable)")

	for _, c := range []*cobra.Command{show, set} {
		c.Flags().StringVar(&slug, "tenant", "", "the tenant's slug (required)")
		_ = c.MarkFlagRequired("tenant")
		cmd.AddCommand(c)
	}
	return cmd
}

// The set command's list flags, in the order of store.DetectionSettings.Lists.
var (
	detectionFlags    = [5]string{"accepted-domain", "vip", "partner", "allow", "deny"}
	detectionFlagHelp = [5]string{
		"one of the tenant's own mail domains besides its onmicrosoft.com one (repeatable)",
		"display name of a person worth impersonating (repeatable)",
		"registrable domain of a partner or supplier (repeatable)",
		"sender address or domain trusted when authentication passes (repeatable)",
		"sender address or domain, or link domain, always blocked (repeatable)",
	}
)

func (a *app) printDetection(d store.DetectionSettings, asJSON bool) error {
	if asJSON {
		out := map[string]any{"updated_by": d.UpdatedBy, "updated_at": nil}
		if !d.UpdatedAt.IsZero() {
			out["updated_at"] = d.UpdatedAt.UTC().Format(time.RFC3339Nano)
		}
		for _, l := range d.Lists() {
			out[l.Name] = *l.Entries // never nil (store)
		}
		return json.NewEncoder(a.stdout).Encode(out)
	}
	var b strings.Builder
	for _, l := range d.Lists() {
		fmt.Fprintf(&b, "%-17s %s\n", l.Name, strings.Join(*l.Entries, ", "))
	}
	if d.UpdatedAt.IsZero() {
		b.WriteString("never saved\n")
	} else {
		fmt.Fprintf(&b, "saved %s by %s\n", d.UpdatedAt.UTC().Format("2006-01-02 15:04:05 MST"), d.UpdatedBy)
	}
	_, err := fmt.Fprint(a.stdout, b.String())
	return err
}
