package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/setupcheck"
)

// connectCommand is `qtriage connect`: checks of a tenant's connection to
// Microsoft 365.
func (a *app) connectCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "connect", Short: "Test a tenant's connection to Microsoft 365"}
	cmd.AddCommand(a.connectTestCommand())
	return cmd
}

func (a *app) connectTestCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "test <slug>",
		Short: "Walk the setup steps against Microsoft and name the one that is wrong, with its fix",
		Long: "Checks, in order: the connection settings, the certificate, a token from Entra ID, the Exchange.ManageAsApp permission, " +
			"a read cmdlet, the release/delete permission (probed without changing anything), and summarises the quarantine. " +
			"Exits 0 only when no check failed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.tenants(cmd.Context())
			if err != nil {
				return err
			}
			log, err := a.logger()
			if err != nil {
				return err
			}
			rep, err := setupcheck.ForTenant(cmd.Context(), svc, args[0], setupcheck.Config{Now: a.now, Log: log})
			if err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(a.stdout, rep); err != nil {
					return err
				}
			} else {
				printReport(a.stdout, args[0], rep)
			}
			if !rep.OK {
				for _, s := range rep.Steps {
					if s.Status == setupcheck.StatusFailed {
						return fmt.Errorf("connection test of %s failed at %q (setup step: %s)", args[0], s.Title, s.Step)
					}
				}
				return errors.New("connection test failed")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: {\"ok\":bool,\"steps\":[{\"id\",\"title\",\"status\",\"observed\",\"step\",\"fix\"}]}")
	return cmd
}

// printReport writes the connection test for a person.
func printReport(w io.Writer, slug string, rep setupcheck.Report) {
	fmt.Fprintf(w, "Connection test of %s\n\n", slug)
	for i, s := range rep.Steps {
		fmt.Fprintf(w, "%d. [%s] %s\n", i+1, strings.ToUpper(string(s.Status)), s.Title)
		if s.Observed != "" {
			fmt.Fprintf(w, "   %s\n", s.Observed)
		}
		if s.Step != "" {
			fmt.Fprintf(w, "   setup step: %s\n", s.Step)
		}
		if s.Fix != "" {
			fmt.Fprintf(w, "   fix: %s\n", strings.ReplaceAll(s.Fix, "\n", "\n        "))
		}
	}
	if rep.OK {
		fmt.Fprintln(w, "\nresult: OK")
	} else {
		fmt.Fprintln(w, "\nresult: FAILED")
	}
}
