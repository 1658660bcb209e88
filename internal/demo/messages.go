package demo

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
)

// files is the demo quarantine, built into the binary so that `qtriage
// demo` needs nothing beside it.
//
//go:embed quarantine/*.eml quarantine/manifest.json
var files embed.FS

// Message is one demo message with what the manifest says about it.
type Message struct {
	File            string   `json:"file"`
	ExpectedVerdict string   `json:"expected_verdict"`
	Category        string   `json:"category"`
	QuarantineType  string   `json:"quarantine_type"`
	PolicyType      string   `json:"policy_type"`
	Recipients      []string `json:"recipients"`
	Description     string   `json:"description"`
	Raw             []byte   `json:"-"`
}

// Messages returns every demo message in the manifest's order.
func Messages() ([]Message, error) {
	b, err := files.ReadFile("quarantine/manifest.json")
	if err != nil {
		return nil, err
	}
	var ms []Message
	if err := json.Unmarshal(b, &ms); err != nil {
		return nil, fmt.Errorf("demo: manifest: %w", err)
	}
	for i := range ms {
		if ms[i].Raw, err = files.ReadFile(path.Join("quarantine", ms[i].File)); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	return ms, nil
}
