package cli

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/m365sim"
)

// newM365simCommand is `qtriage m365sim`: the emulator of Entra ID and the
// Exchange Online admin API, and its admin client.
func newM365simCommand(stdout, stderr io.Writer) *cobra.Command {
	var opts m365sim.Options
	var verbose bool
	cmd := &cobra.Command{
		Use:   "m365sim",
		Short: "Run the Microsoft 365 emulator (Entra ID token endpoint + Exchange Online admin API)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.StateDir == "" {
				return fmt.Errorf("m365sim: --state is required")
			}
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
			return m365sim.Serve(cmd.Context(), opts, stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:8443", "address to serve HTTPS on (port 0 picks one)")
	f.StringVar(&opts.StateDir, "state", "", "state directory (CA, keys, directory, quarantine)")
	f.StringVar(&opts.SeedDir, "seed-dir", "", "directory of .eml files to load at start")
	f.StringVar(&opts.SeedTenant, "seed-tenant", "", "tenant to load --seed-dir into (created if missing)")
	f.StringVar(&opts.TLSCertFile, "tls-cert", "", "own server certificate (PEM) instead of the sim's CA")
	f.StringVar(&opts.TLSKeyFile, "tls-key", "", "key of --tls-cert (PEM)")
	f.Uint64Var(&opts.Seed, "seed", 0, "seed of fault injection")
	f.Float64Var(&opts.DefaultFaults.Rate429, "fault-429", 0, "probability of a 429 on InvokeCommand")
	f.Float64Var(&opts.DefaultFaults.RetryAfter, "fault-retry-after", 0, "Retry-After of injected 429s in seconds (fractional)")
	f.IntVar(&opts.DefaultFaults.ConcurrencyLimit, "concurrency-limit", 0, "per-tenant concurrent InvokeCommand limit (0: 3, negative: none)")
	f.Float64Var(&opts.DefaultFaults.Rate503, "fault-503", 0, "probability of a 503")
	f.Float64Var(&opts.DefaultFaults.Rate504, "fault-504", 0, "probability of a 504")
	f.Float64Var(&opts.DefaultFaults.DropRate, "fault-drop", 0, "probability of a connection dropped mid-response")
	f.DurationVar((*time.Duration)(&opts.DefaultFaults.Latency), "latency", 0, "latency added to every request")
	f.BoolVar(&opts.DefaultFaults.HangExport, "hang-export", false, "Export-QuarantineMessage never answers")
	f.BoolVar(&opts.DefaultFaults.TokenOutage, "token-outage", false, "the token endpoint answers 503")
	f.DurationVar((*time.Duration)(&opts.DefaultFaults.ClockSkew), "clock-skew", 0, "shift of the sim's clock")
	f.BoolVar(&verbose, "verbose", false, "log every request to stderr")
	cmd.AddCommand(newM365simAdminCommand(stdout))
	return cmd
}

// newM365simAdminCommand is `qtriage m365sim admin --url URL --ca FILE <verb>`.
func newM365simAdminCommand(stdout io.Writer) *cobra.Command {
	var url, ca string
	cmd := &cobra.Command{Use: "admin", Short: "Set a tenant up in a running m365sim the way a customer does"}
	cmd.PersistentFlags().StringVar(&url, "url", "", "URL of the sim (the \"url\" of its ready line)")
	cmd.PersistentFlags().StringVar(&ca, "ca", "", "the sim's CA file (the \"ca_file\" of its ready line)")
	for _, v := range m365sim.AdminVerbs() {
		args := m365sim.AdminArgs{Strings: map[string]string{}, Lists: map[string][]string{}, Bools: map[string]bool{}}
		strs := map[string]*string{}
		lists := map[string]*[]string{}
		bools := map[string]*bool{}
		sub := &cobra.Command{
			Use:   v.Name,
			Short: v.Short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				for k, p := range strs {
					args.Strings[k] = *p
				}
				for k, p := range lists {
					args.Lists[k] = *p
				}
				for k, p := range bools {
					args.Bools[k] = *p
				}
				c, err := m365sim.NewAdminClient(url, ca)
				if err != nil {
					return err
				}
				out, err := v.Run(cmd.Context(), c, args)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(stdout, "%s\n", out)
				return err
			},
		}
		for _, fl := range v.Flags {
			switch fl.Kind {
			case m365sim.FlagString:
				strs[fl.Name] = sub.Flags().String(fl.Name, "", fl.Usage)
			case m365sim.FlagStrings:
				lists[fl.Name] = sub.Flags().StringArray(fl.Name, nil, fl.Usage)
			case m365sim.FlagBool:
				bools[fl.Name] = sub.Flags().Bool(fl.Name, false, fl.Usage)
			}
			if fl.Required {
				_ = sub.MarkFlagRequired(fl.Name)
			}
		}
		cmd.AddCommand(sub)
	}
	return cmd
}
