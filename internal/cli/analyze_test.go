package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

const analyzeTestdata = "../analysis/testdata"

func TestAnalyzeCommand(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	c := newAnalyzeCommand(&out, &errb)
	c.SetArgs([]string{analyzeTestdata + "/sender_brand_lookalike.eml"})
	if err := c.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err, errb.String())
	}
	if !strings.HasPrefix(out.String(), "MALICIOUS") || !strings.Contains(out.String(), "Findings:") {
		t.Errorf("text output:\n%s", out.String())
	}

	out.Reset()
	c = newAnalyzeCommand(&out, &errb)
	c.SetArgs([]string{"--json", "--tenant-domain", "example.com", "--vip", "Dana Whitfield", analyzeTestdata})
	if err := c.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err, errb.String())
	}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var r struct {
			File    string `json:"file"`
			Verdict string `json:"verdict"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.File == "" || r.Verdict == "" {
			t.Fatalf("line %d: %v %q", n, err, sc.Text())
		}
		n++
	}
	if n < 5 {
		t.Errorf("%d JSON lines", n)
	}

	out.Reset()
	c = newAnalyzeCommand(&out, &errb)
	c.SetArgs([]string{"--format", "markdown", analyzeTestdata + "/attach_malware.eml"})
	if err := c.ExecuteContext(context.Background()); err != nil || !strings.HasPrefix(out.String(), "### MALICIOUS") {
		t.Errorf("markdown: %v\n%s", err, out.String())
	}
	c = newAnalyzeCommand(&out, &errb)
	c.SetArgs([]string{"--format", "yaml", analyzeTestdata})
	if err := c.ExecuteContext(context.Background()); err == nil {
		t.Error("bad format accepted")
	}
}

func TestEvalCommandJSON(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	c := newEvalCommand(&out, &errb)
	c.SetArgs([]string{"--json", "--set", "golden=malicious:" + analyzeTestdata})
	if err := c.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err, errb.String())
	}
	var res struct {
		Sets []struct {
			Name     string         `json:"name"`
			Label    string         `json:"label"`
			Total    int            `json:"total"`
			Errors   int            `json:"errors"`
			Verdicts map[string]int `json:"verdicts"`
		} `json:"sets"`
		MessagesPerSecond *float64 `json:"messages_per_second"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Sets) != 1 || res.Sets[0].Name != "golden" || res.Sets[0].Label != "malicious" || res.Sets[0].Total == 0 || res.MessagesPerSecond == nil {
		t.Fatalf("%+v", res)
	}
	for _, k := range []string{"malicious", "suspicious", "spam", "benign", "inconclusive"} {
		if _, ok := res.Sets[0].Verdicts[k]; !ok {
			t.Errorf("verdicts lacks %q", k)
		}
	}
	c = newEvalCommand(&out, &errb)
	c.SetArgs([]string{"--set", "x=bogus:" + analyzeTestdata})
	if err := c.ExecuteContext(context.Background()); err == nil {
		t.Error("bad label accepted")
	}
}
