package m365sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Ready is the JSON line Serve prints once the sim accepts connections.
type Ready struct {
	URL    string `json:"url"`
	CAFile string `json:"ca_file"`
}

// Serve runs a sim until ctx is cancelled. Once it is listening it writes
// one JSON line (Ready) to stdout.
func Serve(ctx context.Context, opts Options, stdout io.Writer) error {
	s, err := New(opts)
	if err != nil {
		return err
	}
	line, err := json.Marshal(Ready{URL: s.URL(), CAFile: s.CAFile()})
	if err == nil {
		_, err = fmt.Fprintf(stdout, "%s\n", line)
	}
	if err != nil {
		_ = s.Close()
		return fmt.Errorf("m365sim: write ready line: %w", err)
	}
	<-ctx.Done()
	return s.Close()
}
