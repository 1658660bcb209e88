package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/keyring"
	"github.com/qtriage/qtriage/internal/store"
)

func (a *app) keyringCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "keyring", Short: "Manage the master key that seals tenant private keys"}
	var newFile string
	rotate := &cobra.Command{
		Use:   "rotate-kek --new-key-file FILE",
		Short: "Re-wrap every private key's data key under a new master key, in one transaction",
		Long: "Loads the current master key, loads FILE (creating it with a fresh key if it does not exist), " +
			"and re-wraps the data key of every certificate's private key and every webhook's signing secret under the new key in one transaction. Afterwards point " +
			"qtriage at FILE (master_key_file or QTRIAGE_MASTER_KEY_FILE) and keep the old key until you have checked.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if newFile == "" {
				return errors.New("--new-key-file is required")
			}
			old, err := a.keyEncryptionKey(cmd.Context())
			if err != nil {
				return err
			}
			next, created, err := keyring.LoadOrCreateKeyFile(newFile)
			if err != nil {
				return err
			}
			if next.ID == old.ID {
				return errors.New("the new master key is the same as the current one")
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			n, err := st.RewrapKeys(cmd.Context(), func(k store.SealedKey) ([]byte, string, error) {
				if k.KEKID != old.ID {
					return nil, "", fmt.Errorf("%s %s is sealed by master key %s, not the current %s", k.Kind, k.ID, k.KEKID, old.ID)
				}
				blob, err := keyring.Rewrap(old, next, k.Blob, keyring.SealedAAD(k))
				return blob, next.ID, err
			})
			if err != nil {
				if created {
					os.Remove(newFile) // nothing uses it
				}
				return fmt.Errorf("rotate-kek: nothing changed: %w", err)
			}
			log, _ := a.logger()
			log.Warn("master key rotated: point qtriage at the new key file now, and back it up", "new_key_file", newFile, "old_kek_id", old.ID, "new_kek_id", next.ID, "secrets", n)
			_, err = fmt.Fprintf(a.stdout, "re-wrapped %d sealed secrets (private keys, webhook secrets) under master key %s\nnow set master_key_file = %q (or QTRIAGE_MASTER_KEY_FILE) and back it up\n", n, next.ID, newFile)
			return err
		},
	}
	rotate.Flags().StringVar(&newFile, "new-key-file", "", "file holding the new base64 master key (created if missing)")
	cmd.AddCommand(rotate)
	return cmd
}
