package web

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPIDocumentsEveryRoute fails when an /api/v1 route is added to
// the server without its entry in openapi.yaml, or when docs/openapi.yaml
// is not the served copy.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("server.go")
	if err != nil {
		t.Fatal(err)
	}
	routes := regexp.MustCompile(`"(GET|POST|PUT|DELETE|PATCH) /api/v1(/[^"]*)"`).FindAllSubmatch(src, -1)
	if len(routes) < 10 {
		t.Fatalf("found only %d API routes in server.go", len(routes))
	}
	for _, m := range routes {
		method, path := strings.ToLower(string(m[1])), string(m[2])
		i := bytes.Index(openAPI, []byte("\n  "+path+":\n"))
		if i < 0 {
			t.Errorf("openapi.yaml lacks the path %s", path)
			continue
		}
		rest := openAPI[i+len(path)+4:] // from the newline before the first method
		if next := regexp.MustCompile(`\n  /`).FindIndex(rest); next != nil {
			rest = rest[:next[0]]
		}
		if !bytes.Contains(rest, []byte("\n    "+method+":")) {
			t.Errorf("openapi.yaml lacks %s %s", method, path)
		}
	}
	doc, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc, openAPI) {
		t.Error("docs/openapi.yaml differs from internal/web/openapi.yaml: copy it")
	}
}
