package m365sim

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// Example runs the whole customer setup in an in-process sim and gets an
// Exchange token with MSAL Go, the way qtriage's entra package does.
func Example() {
	keys, _ := testKeys()
	sim, err := New(Options{SigningKey: keys[2]}) // StateDir "" keeps everything in memory
	if err != nil {
		panic(err)
	}
	defer sim.Close()

	cert, err := makeTestCert(0, time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0)) // qtriage's tenant certificate
	if err != nil {
		panic(err)
	}
	res, err := sim.Setup(SetupOptions{TenantName: "contoso", Certificate: cert.pem})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Organization)

	cred, _ := confidential.NewCredFromCert([]*x509.Certificate{cert.cert}, cert.key)
	client, _ := confidential.New(res.AuthorityURL+res.DirectoryID, res.AppID, cred,
		confidential.WithHTTPClient(sim.HTTPClient()), confidential.WithInstanceDiscovery(false))
	tok, err := client.AcquireTokenByCredential(context.Background(), []string{"https://outlook.office365.com/.default"})
	fmt.Println(err == nil && tok.AccessToken != "", sim.Stats().TokensIssued)
	// Output:
	// contoso.onmicrosoft.com
	// true 1
}
