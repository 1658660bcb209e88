package m365sim

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMSALNodeGetsToken checks that a Microsoft client library other than
// MSAL Go, msal-node, gets a token from the sim pointed at it the same way.
// It runs when M365SIM_MSAL_NODE names a directory holding
// node_modules/@azure/msal-node (npm install @azure/msal-node@7.2.1).
func TestMSALNodeGetsToken(t *testing.T) {
	dir := os.Getenv("M365SIM_MSAL_NODE")
	if dir == "" {
		t.Skip("M365SIM_MSAL_NODE not set")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	t.Parallel()
	s := newTestSim(t, Options{StateDir: t.TempDir()})
	c := validCert(t)
	res := setupTenant(t, s, "nodejs", c)
	tmp := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(tmp, "cert.pem"), filepath.Join(tmp, "key.pem")
	if err := os.WriteFile(certFile, c.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "msal-node", "token.js"))
	cmd := exec.CommandContext(t.Context(), node, script, s.AuthorityURL(res.DirectoryID), res.AppID, certFile, keyFile)
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+s.CAFile(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("msal-node: %v: %s", err, out)
	}
	if st := s.Stats(); st.TokensIssued != 1 {
		t.Errorf("tokens issued %d", st.TokensIssued)
	}
}
