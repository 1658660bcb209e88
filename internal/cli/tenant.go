package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

func (a *app) tenantCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Create, list, show and connect tenants"}
	cmd.AddCommand(a.tenantCreateCommand(), a.tenantListCommand(), a.tenantShowCommand(), a.tenantConnectCommand())
	return cmd
}

func (a *app) tenantCreateCommand() *cobra.Command {
	var name string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create <slug>",
		Short: "Create a tenant and its certificate",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.tenants(cmd.Context())
			if err != nil {
				return err
			}
			t, c, err := svc.Create(cmd.Context(), args[0], name)
			if err != nil {
				return err
			}
			info := tenant.NewInfo(t, &c, a.now())
			if asJSON {
				return printJSON(a.stdout, info)
			}
			cfg, _ := a.config()
			fmt.Fprintf(a.stdout, "tenant %s created\n", t.Slug)
			fmt.Fprintf(a.stdout, "certificate %s, SHA-1 thumbprint %s\n", c.ID, c.SHA1Thumbprint)
			fmt.Fprintf(a.stdout, "next: qtriage cert download %s   (gives %s.%s.crt to upload to the Entra app)\n", t.Slug, t.Slug, cfg.PublicHost)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "display name, e.g. \"Contoso Ltd\" (default: the slug)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) tenantListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List tenants",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			ts, err := st.Tenants(cmd.Context())
			if err != nil {
				return err
			}
			infos := make([]tenant.Info, 0, len(ts))
			for _, t := range ts {
				c, err := st.ActiveCertificate(cmd.Context(), t.ID)
				if err != nil {
					return fmt.Errorf("tenant %s: %w", t.Slug, err)
				}
				infos = append(infos, tenant.NewInfo(t, &c, a.now()))
			}
			if asJSON {
				return printJSON(a.stdout, infos)
			}
			w := table(a.stdout)
			fmt.Fprintln(w, "SLUG\tNAME\tORGANIZATION\tCERT EXPIRES\t")
			for _, in := range infos {
				org := "(not connected)"
				if in.Connection != nil {
					org = in.Connection.Organization
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", in.Slug, in.Name, org, in.ActiveCertificate.NotAfter.Format("2006-01-02"), expiryFlag(*in.ActiveCertificate))
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func expiryFlag(c tenant.CertInfo) string {
	if c.ExpiresSoon {
		return fmt.Sprintf("EXPIRES IN %d DAYS: rotate", c.DaysLeft)
	}
	return ""
}

func (a *app) tenantShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show <slug>",
		Short: "Show a tenant, its connection and its active certificate",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, t, err := a.tenant(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			c, err := st.ActiveCertificate(cmd.Context(), t.ID)
			if err != nil {
				return err
			}
			in := tenant.NewInfo(t, &c, a.now())
			if asJSON {
				return printJSON(a.stdout, in)
			}
			w := table(a.stdout)
			fmt.Fprintf(w, "slug\t%s\n", in.Slug)
			fmt.Fprintf(w, "name\t%s\n", in.Name)
			fmt.Fprintf(w, "id\t%s\n", in.ID)
			fmt.Fprintf(w, "created\t%s\n", in.CreatedAt.Format("2006-01-02 15:04:05Z07:00"))
			if cn := in.Connection; cn != nil {
				fmt.Fprintf(w, "application (client) id\t%s\n", cn.AppID)
				fmt.Fprintf(w, "directory (tenant) id\t%s\n", cn.DirectoryID)
				fmt.Fprintf(w, "organization id\t%s\n", cn.Organization)
				fmt.Fprintf(w, "cloud\t%s\n", cn.Cloud)
				if cn.Cloud == string(store.CloudCustom) {
					fmt.Fprintf(w, "authority url\t%s\n", cn.AuthorityURL)
					fmt.Fprintf(w, "exchange url\t%s\n", cn.ExchangeURL)
					fmt.Fprintf(w, "ca file\t%s\n", cn.CAFile)
				}
			} else {
				fmt.Fprintf(w, "connection\tnot connected: qtriage tenant connect %s --app-id ... --directory-id ... --organization ...\n", in.Slug)
			}
			printCertLines(w, *in.ActiveCertificate)
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) tenantConnectCommand() *cobra.Command {
	var in tenant.ConnectInput
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "connect <slug> --app-id GUID --directory-id GUID --organization NAME.onmicrosoft.com",
		Short: "Store the tenant's Microsoft 365 connection",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Validate before opening anything, so typos are reported at once.
			if _, err := in.Normalize(); err != nil {
				return err
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			log, _ := a.logger()
			svc := &tenant.Service{Store: st, Now: a.now, Log: log}
			c, err := svc.Connect(cmd.Context(), args[0], in)
			if err != nil {
				return err
			}
			if asJSON {
				t, err := st.Tenant(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return printJSON(a.stdout, tenant.NewInfo(t, nil, a.now()).Connection)
			}
			_, err = fmt.Fprintf(a.stdout, "tenant %s connected to %s (%s cloud)\n", args[0], c.Organization, c.Cloud)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.AppID, "app-id", "", "Application (client) ID of the Entra app")
	f.StringVar(&in.DirectoryID, "directory-id", "", "Directory (tenant) ID")
	f.StringVar(&in.Organization, "organization", "", "Organization ID: the NAME.onmicrosoft.com domain")
	f.StringVar(&in.Cloud, "cloud", "public", "public, gcchigh, dod or custom")
	f.StringVar(&in.AuthorityURL, "authority-url", "", "custom cloud: authority host URL (the directory id is appended)")
	f.StringVar(&in.ExchangeURL, "exchange-url", "", "custom cloud: Exchange base URL")
	f.StringVar(&in.CAFile, "ca-file", "", "custom cloud: PEM file of CA certificates to trust")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
