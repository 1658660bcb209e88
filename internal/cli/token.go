package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/access"
)

func (a *app) tokenCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var slug, role, name string
	create := &cobra.Command{
		Use:   "create [--tenant slug] [--role admin|analyst|viewer] [--name NAME]",
		Short: "Create an API token and print it once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := access.ParseRole(role)
			if err != nil {
				return err
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			tenantID := ""
			if slug != "" {
				t, err := st.Tenant(cmd.Context(), slug)
				if err != nil {
					return fmt.Errorf("tenant %q: %w", slug, err)
				}
				tenantID = t.ID
			}
			secret, tok, err := access.Create(cmd.Context(), st, name, tenantID, r, a.now())
			if err != nil {
				return err
			}
			if log, err := a.logger(); err == nil {
				log.Info("api token created", "token_id", tok.ID, "name", name, "tenant", slug, "role", r)
			}
			_, err = fmt.Fprintln(a.stdout, secret)
			return err
		},
	}
	create.Flags().StringVar(&slug, "tenant", "", "bind the token to this tenant (default: global, admin only)")
	create.Flags().StringVar(&role, "role", "admin", "admin, analyst or viewer")
	create.Flags().StringVar(&name, "name", "", "a name to recognise the token by")
	cmd.AddCommand(create)
	return cmd
}
