package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
)

func (a *app) certCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "cert", Short: "Show, download and rotate tenant certificates"}
	cmd.AddCommand(a.certShowCommand(), a.certListCommand(), a.certDownloadCommand(), a.certRotateCommand(), a.certActivateCommand())
	return cmd
}

func printCertLines(w io.Writer, c tenant.CertInfo) {
	fmt.Fprintf(w, "certificate id\t%s\n", c.ID)
	fmt.Fprintf(w, "status\t%s\n", c.Status)
	fmt.Fprintf(w, "subject\t%s\n", c.Subject)
	fmt.Fprintf(w, "not before\t%s\n", c.NotBefore.Format("2006-01-02 15:04:05Z07:00"))
	fmt.Fprintf(w, "not after\t%s\n", c.NotAfter.Format("2006-01-02 15:04:05Z07:00"))
	fmt.Fprintf(w, "days left\t%d %s\n", c.DaysLeft, expiryFlag(c))
	fmt.Fprintf(w, "SHA-1 thumbprint\t%s   (what the Azure portal shows)\n", c.SHA1Thumbprint)
	fmt.Fprintf(w, "SHA-256 thumbprint\t%s\n", c.SHA256Thumbprint)
	fmt.Fprintf(w, "x5t#S256\t%s\n", c.X5TS256)
}

// certificate finds a tenant's certificate: the given id, else the active one.
func (a *app) certificate(cmd *cobra.Command, slug, id string) (store.Certificate, error) {
	st, t, err := a.tenant(cmd.Context(), slug)
	if err != nil {
		return store.Certificate{}, err
	}
	if id == "" {
		return st.ActiveCertificate(cmd.Context(), t.ID)
	}
	c, err := st.Certificate(cmd.Context(), t.ID, id)
	if err != nil {
		return store.Certificate{}, fmt.Errorf("certificate %q of tenant %q: %w", id, slug, err)
	}
	return c, nil
}

func (a *app) certShowCommand() *cobra.Command {
	var asJSON bool
	var id string
	cmd := &cobra.Command{
		Use:   "show <slug>",
		Short: "Show the active certificate (or --id) with its thumbprints",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.certificate(cmd, args[0], id)
			if err != nil {
				return err
			}
			info := tenant.NewCertInfo(c, a.now())
			if info.ExpiresSoon {
				if log, err := a.logger(); err == nil {
					log.Warn("tenant certificate expires soon: rotate it", "tenant", args[0], "cert_id", c.ID, "days_left", info.DaysLeft)
				}
			}
			if asJSON {
				return printJSON(a.stdout, info)
			}
			w := table(a.stdout)
			printCertLines(w, info)
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&id, "id", "", "certificate id (default: the active one)")
	return cmd
}

func (a *app) certListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list <slug>",
		Short: "List the tenant's certificates, newest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, t, err := a.tenant(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			certs, err := st.Certificates(cmd.Context(), t.ID)
			if err != nil {
				return err
			}
			infos := make([]tenant.CertInfo, len(certs))
			for i, c := range certs {
				infos[i] = tenant.NewCertInfo(c, a.now())
			}
			if asJSON {
				return printJSON(a.stdout, infos)
			}
			w := table(a.stdout)
			fmt.Fprintln(w, "ID\tSTATUS\tNOT AFTER\tSHA-1 THUMBPRINT\t")
			for _, c := range infos {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Status, c.NotAfter.Format("2006-01-02"), c.SHA1Thumbprint, expiryFlag(c))
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) certDownloadCommand() *cobra.Command {
	var format, out, id string
	cmd := &cobra.Command{
		Use:   "download <slug>",
		Short: "Write the certificate (never the key) for upload to the Entra app",
		Long:  "Writes the active certificate (or --id) as PEM <slug>.<public-host>.crt or DER .cer; the Azure portal accepts both. -o - writes to stdout.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			f, err := keyring.ParseFormat(format)
			if err != nil {
				return err
			}
			c, err := a.certificate(cmd, args[0], id)
			if err != nil {
				return err
			}
			body := f.Encode(c.DER)
			if out == "-" {
				_, err := a.stdout.Write(body)
				return err
			}
			if out == "" {
				out = keyring.FileName(args[0], cfg.PublicHost, f)
			}
			if err := writeFileAtomic(out, body, 0o644); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "wrote %s (certificate %s, SHA-1 thumbprint %s)\n", out, c.ID, c.SHA1Thumbprint)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "pem", "pem (.crt) or der (.cer)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output file (default <slug>.<public-host>.crt|.cer; - for stdout)")
	cmd.Flags().StringVar(&id, "id", "", "certificate id (default: the active one)")
	return cmd
}

// writeFileAtomic writes through a temporary file and a rename, so a reader
// never sees half a file.
func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".qtriage-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (a *app) certRotateCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "rotate <slug>",
		Short: "Create the next certificate (pending) while the active one keeps working",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.tenants(cmd.Context())
			if err != nil {
				return err
			}
			c, err := svc.Rotate(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.stdout, tenant.NewCertInfo(c, a.now()))
			}
			fmt.Fprintf(a.stdout, "pending certificate %s created, SHA-1 thumbprint %s\n", c.ID, c.SHA1Thumbprint)
			fmt.Fprintf(a.stdout, "next: qtriage cert download %s --id %s, upload it to the Entra app beside the current one, then: qtriage cert activate %s %s\n", args[0], c.ID, args[0], c.ID)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) certActivateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "activate <slug> <cert-id>",
		Short: "Make a pending certificate active; the previous one is retired",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.tenants(cmd.Context())
			if err != nil {
				return err
			}
			c, err := svc.Activate(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "certificate %s is now active for %s (SHA-1 thumbprint %s)\n", c.ID, args[0], c.SHA1Thumbprint)
			return err
		},
	}
}
