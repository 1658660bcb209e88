package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/message"
)

func (a *app) parseCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "parse FILE [--json]",
		Short: "Parse an email (.eml) and print what qtriage reads in it: headers, authentication, parts, links, attachments, defects",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			limits := message.DefaultLimits()
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			raw, err := io.ReadAll(io.LimitReader(f, int64(limits.MaxMessageBytes)+1))
			if err != nil {
				return err
			}
			m, err := message.Parse(raw, limits)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.stdout, m)
			}
			w := a.stdout
			from := ""
			if m.From != nil {
				from = strings.TrimSpace(m.From.Name + " <" + m.From.Address + ">")
			}
			fmt.Fprintf(w, "Subject:  %s\nFrom:     %s\nDate:     %v\nParts:    %d\nLinks:    %d\nAttachments: %d\n", printableText(m.Subject), printableText(from), m.Date, len(m.Parts), len(m.Links), len(m.Attachments))
			for _, l := range m.Links {
				fmt.Fprintf(w, "  link  %-12s %s\n", l.Source, printable(l.Unwrapped, 120))
			}
			for _, at := range m.Attachments {
				fmt.Fprintf(w, "  file  %s (%s, %d bytes, sha256 %s)\n", printableText(at.Filename), at.Sniffed, at.Size, at.SHA256)
			}
			if len(m.Defects) > 0 {
				var ds []string
				for _, d := range m.Defects {
					ds = append(ds, string(d.Kind))
				}
				fmt.Fprintf(w, "Defects:  %s\n", strings.Join(ds, ", "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the whole model as JSON (docs/message-model.md)")
	return cmd
}
