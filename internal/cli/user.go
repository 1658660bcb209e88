package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/access"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/web"
)

var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

func (a *app) userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage web console users"}
	cmd.AddCommand(a.userCreateCommand(), a.userPasswdCommand(), a.userListCommand(), a.userGrantCommand())
	return cmd
}

// readPassword returns the password from stdin when asked to, or a new
// random one that the caller prints once.
func (a *app) readPassword(fromStdin bool) (pw string, generated bool, err error) {
	if !fromStdin {
		return web.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(io.LimitReader(a.stdin, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

func (a *app) userCreateCommand() *cobra.Command {
	var globalAdmin, pwStdin bool
	var slug, role string
	cmd := &cobra.Command{
		Use:   "create <username> [--global-admin | --tenant slug --role admin|analyst|viewer] [--password-stdin]",
		Short: "Create a console user (prints a generated password once unless --password-stdin)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			username := strings.ToLower(args[0])
			if !usernameRe.MatchString(username) {
				return fmt.Errorf("username %q: use 1-64 of a-z, 0-9, '.', '_', '@', '-'", args[0])
			}
			if globalAdmin == (slug != "") {
				return errors.New("give either --global-admin or --tenant with --role")
			}
			u := store.User{ID: uuid.NewString(), Username: username, GlobalAdmin: globalAdmin, CreatedAt: a.now().UTC(), Roles: map[string]store.Role{}}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			if slug != "" {
				r, err := access.ParseRole(role)
				if err != nil {
					return err
				}
				t, err := st.Tenant(cmd.Context(), slug)
				if err != nil {
					return fmt.Errorf("tenant %q: %w", slug, err)
				}
				u.Roles[t.ID] = r
			}
			pw, generated, err := a.readPassword(pwStdin)
			if err != nil {
				return err
			}
			if u.PasswordHash, err = web.HashPassword(pw); err != nil {
				return err
			}
			if err := st.CreateUser(cmd.Context(), u); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return fmt.Errorf("user %q already exists", username)
				}
				return err
			}
			log, _ := a.logger()
			log.Info("user created", "username", username, "global_admin", globalAdmin, "tenant", slug, "role", role)
			fmt.Fprintf(a.stdout, "user %s created\n", username)
			if generated {
				fmt.Fprintf(a.stdout, "password: %s\n(shown once; change it with qtriage user passwd %s --password-stdin)\n", pw, username)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&globalAdmin, "global-admin", false, "administrator of every tenant")
	cmd.Flags().StringVar(&slug, "tenant", "", "tenant the user works in")
	cmd.Flags().StringVar(&role, "role", "analyst", "role in --tenant: admin, analyst or viewer")
	cmd.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of stdin")
	return cmd
}

func (a *app) userPasswdCommand() *cobra.Command {
	var pwStdin bool
	cmd := &cobra.Command{
		Use:   "passwd <username> [--password-stdin]",
		Short: "Set a user's password (ends their sessions)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			u, err := st.User(cmd.Context(), strings.ToLower(args[0]))
			if err != nil {
				return fmt.Errorf("user %q: %w", args[0], err)
			}
			pw, generated, err := a.readPassword(pwStdin)
			if err != nil {
				return err
			}
			hash, err := web.HashPassword(pw)
			if err != nil {
				return err
			}
			if err := st.SetPassword(cmd.Context(), u.ID, hash); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "password of %s changed; their sessions are ended\n", u.Username)
			if generated {
				fmt.Fprintf(a.stdout, "password: %s\n", pw)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of stdin")
	return cmd
}

func (a *app) userGrantCommand() *cobra.Command {
	var slug, role string
	cmd := &cobra.Command{
		Use:   "grant <username> --tenant slug --role admin|analyst|viewer|none",
		Short: "Give a user a role in a tenant (none removes it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r store.Role
			if role != "none" {
				var err error
				if r, err = access.ParseRole(role); err != nil {
					return err
				}
			}
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			u, err := st.User(cmd.Context(), strings.ToLower(args[0]))
			if err != nil {
				return fmt.Errorf("user %q: %w", args[0], err)
			}
			t, err := st.Tenant(cmd.Context(), slug)
			if err != nil {
				return fmt.Errorf("tenant %q: %w", slug, err)
			}
			if err := st.SetUserRole(cmd.Context(), u.ID, t.ID, r); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "%s is now %s in %s\n", u.Username, role, t.Slug)
			return err
		},
	}
	cmd.Flags().StringVar(&slug, "tenant", "", "tenant slug")
	cmd.Flags().StringVar(&role, "role", "", "admin, analyst, viewer or none")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func (a *app) userListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List console users and their roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.store(cmd.Context())
			if err != nil {
				return err
			}
			users, err := st.Users(cmd.Context())
			if err != nil {
				return err
			}
			tenants, err := st.Tenants(cmd.Context())
			if err != nil {
				return err
			}
			slugs := map[string]string{}
			for _, t := range tenants {
				slugs[t.ID] = t.Slug
			}
			type userJSON struct {
				Username    string            `json:"username"`
				GlobalAdmin bool              `json:"global_admin"`
				Disabled    bool              `json:"disabled"`
				Roles       map[string]string `json:"roles"`
				CreatedAt   string            `json:"created_at"`
			}
			out := []userJSON{}
			for _, u := range users {
				j := userJSON{Username: u.Username, GlobalAdmin: u.GlobalAdmin, Disabled: u.Disabled, Roles: map[string]string{}, CreatedAt: u.CreatedAt.Format("2006-01-02T15:04:05Z07:00")}
				for id, r := range u.Roles {
					j.Roles[slugs[id]] = string(r)
				}
				out = append(out, j)
			}
			if asJSON {
				return printJSON(a.stdout, out)
			}
			w := table(a.stdout)
			fmt.Fprintln(w, "USERNAME\tGLOBAL ADMIN\tROLES\t")
			for _, u := range out {
				var roles []string
				for s, r := range u.Roles {
					roles = append(roles, s+"="+r)
				}
				fmt.Fprintf(w, "%s\t%v\t%s\t\n", u.Username, u.GlobalAdmin, strings.Join(roles, ","))
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
