package keyring_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log"

	"github.com/qtriage/qtriage/internal/keyring"
)

func ExampleKEK_Seal() {
	kek, err := keyring.GenerateKEK(nil)
	if err != nil {
		log.Fatal(err)
	}
	aad := keyring.AAD("tenant-id", "certificate-id")
	blob, err := kek.Seal([]byte("private key bytes"), aad)
	if err != nil {
		log.Fatal(err)
	}
	plain, err := kek.Open(blob, aad)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(plain))

	// The same blob in another certificate's row does not open.
	_, err = kek.Open(blob, keyring.AAD("tenant-id", "another-certificate"))
	fmt.Println(errors.Is(err, keyring.ErrCorrupt))
	// Output:
	// private key bytes
	// true
}

func ExampleIssuer_Issue() {
	kek, err := keyring.GenerateKEK(nil)
	if err != nil {
		log.Fatal(err)
	}
	c, err := keyring.Issuer{PublicHost: "triage.example.com"}.Issue("tenant-id", "acme", kek)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Subject, c.Status, keyring.DaysLeft(c, c.CreatedAt))
	fmt.Println(keyring.FileName("acme", "triage.example.com", keyring.FormatPEM))

	// Later, to authenticate to Microsoft Entra ID:
	cert, signer, err := keyring.Signer(c, kek)
	if err != nil {
		log.Fatal(err)
	}
	digest := sha256.Sum256([]byte("client assertion"))
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cert.Subject.CommonName, len(sig))
	// Output:
	// CN=acme.triage.example.com,O=qtriage pending 730
	// acme.triage.example.com.crt
	// acme.triage.example.com 256
}

func ExampleRewrap() {
	oldKEK, _ := keyring.GenerateKEK(nil)
	newKEK, _ := keyring.GenerateKEK(nil)
	aad := keyring.AAD("tenant-id", "certificate-id")
	blob, _ := oldKEK.Seal([]byte("secret"), aad)

	rewrapped, err := keyring.Rewrap(oldKEK, newKEK, blob, aad)
	if err != nil {
		log.Fatal(err)
	}
	_, err = oldKEK.Open(rewrapped, aad)
	fmt.Println(err)
	plain, _ := newKEK.Open(rewrapped, aad)
	fmt.Println(string(plain))
	// Output:
	// keyring: cannot decrypt: wrong master key?
	// secret
}
