package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/analysis"
)

// errAnalyzeUsage is returned for bad analyze/eval arguments.
var errAnalyzeUsage = errors.New("cli: bad arguments")

// newAnalyzeCommand is `qtriage analyze FILE|DIR`: it analyses messages
// offline and prints the reports.
func newAnalyzeCommand(stdout, stderr io.Writer) *cobra.Command {
	var (
		asJSON  bool
		format  string
		tenants []string
		vips    []string
		known   []string
	)
	cmd := &cobra.Command{
		Use:   "analyze FILE|DIR",
		Short: "Analyse messages offline and print a verdict with its evidence",
		Long: `Analyse one .eml file, or every .eml file under a directory, without any
network access, and print the report: verdict, confidence, summary and the
findings with their evidence. For a directory, --json prints one JSON object
per line with the file name added.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				format = "json"
			}
			switch format {
			case "text", "markdown", "json":
			default:
				return fmt.Errorf("%w: --format must be text, markdown or json, not %q", errAnalyzeUsage, format)
			}
			e, err := analysis.NewEngine(analysis.Options{})
			if err != nil {
				return err
			}
			c := analysis.Context{TenantDomains: tenants, VIPs: vips, KnownDomains: known}
			target := args[0]
			st, err := os.Stat(target)
			if err != nil {
				return fmt.Errorf("cli: analyze: %w", err)
			}
			files := []string{target}
			if st.IsDir() {
				files, err = messageFiles(target)
				if err != nil {
					return fmt.Errorf("cli: analyze: %w", err)
				}
			}
			failed := 0
			for i, f := range files {
				r, err := analysis.AnalyzeFile(cmd.Context(), e, f, c)
				if err != nil {
					failed++
					fmt.Fprintf(stderr, "qtriage: %v\n", err)
					continue
				}
				if err := writeReport(stdout, f, r, format, st.IsDir(), i); err != nil {
					return err
				}
			}
			if failed > 0 {
				return fmt.Errorf("cli: analyze: %d of %d files could not be read", failed, len(files))
			}
			return nil
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (one object per line for a directory)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, markdown or json")
	cmd.Flags().StringArrayVar(&tenants, "tenant-domain", nil, "the tenant's own domain (repeatable)")
	cmd.Flags().StringArrayVar(&vips, "vip", nil, "display name of a person worth impersonating (repeatable)")
	cmd.Flags().StringArrayVar(&known, "known-domain", nil, "a domain the tenant receives legitimate mail from, such as a supplier's (repeatable)")
	return cmd
}

// fileReport is a report with the file it came from, for JSON lines.
type fileReport struct {
	File string `json:"file"`
	analysis.Report
}

func writeReport(w io.Writer, file string, r analysis.Report, format string, many bool, i int) error {
	switch format {
	case "json":
		if many {
			return json.NewEncoder(w).Encode(fileReport{File: file, Report: r})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "markdown":
		if many {
			fmt.Fprintf(w, "## %s\n\n", file)
		}
		return r.WriteMarkdown(w)
	default:
		if many {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "== %s\n", file)
		}
		return r.WriteText(w)
	}
}

// messageFiles lists the .eml files under dir.
func messageFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".eml") {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// newEvalCommand is `qtriage eval --set NAME=LABEL:DIR ...`: it measures the
// engine on labelled folders.
func newEvalCommand(stdout, stderr io.Writer) *cobra.Command {
	var (
		specs   []string
		asJSON  bool
		misses  int
		workers int
		tenants []string
	)
	cmd := &cobra.Command{
		Use:   "eval --set NAME=LABEL:DIR ...",
		Short: "Measure the analyzer on labelled folders of messages",
		Long: `Run the analyzer over each labelled folder (LABEL is malicious, spam or
benign) and print per set the count of each verdict, the errors, the rate of
the mistake that matters for the label, a per-category breakdown and the
throughput. --misses N lists the N worst mistakes of each set.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(specs) == 0 {
				return fmt.Errorf("%w: at least one --set NAME=LABEL:DIR is required", errAnalyzeUsage)
			}
			var sets []analysis.EvalSet
			for _, s := range specs {
				es, err := analysis.ParseEvalSet(s)
				if err != nil {
					return err
				}
				sets = append(sets, es)
			}
			e, err := analysis.NewEngine(analysis.Options{})
			if err != nil {
				return err
			}
			res, err := analysis.EvaluateWith(cmd.Context(), e, sets, analysis.EvalOptions{
				Workers: workers, Misses: misses, Context: analysis.Context{TenantDomains: tenants},
			})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			return res.WriteText(stdout)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.Flags().StringArrayVar(&specs, "set", nil, "a labelled folder as NAME=LABEL:DIR (repeatable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&misses, "misses", 0, "list the N worst mistakes of each set")
	cmd.Flags().IntVar(&workers, "workers", 0, "parallel workers (default: all CPUs)")
	cmd.Flags().StringArrayVar(&tenants, "tenant-domain", nil, "the tenant's own domain (repeatable)")
	return cmd
}
