package cli

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/qtriage/qtriage/internal/demo"
	"github.com/qtriage/qtriage/internal/ingest"
	"github.com/qtriage/qtriage/internal/m365sim"
	"github.com/qtriage/qtriage/internal/store"
	"github.com/qtriage/qtriage/internal/tenant"
	"github.com/qtriage/qtriage/internal/web"
)

const (
	demoTenant = "contoso"
	demoUser   = "demo"
)

// demoLogin is what `qtriage demo` prints, and keeps in the demo directory
// so that the same login works on the next start.
type demoLogin struct {
	URL      string `json:"url"`
	User     string `json:"user"`
	Password string `json:"password"`
}

func (a *app) demoCommand() *cobra.Command {
	var dir, listen string
	var asJSON bool
	var arrival time.Duration
	cmd := &cobra.Command{
		Use:   "demo [--listen 127.0.0.1:8080] [--dir ./qtriage-demo] [--json]",
		Short: "Run qtriage against the built-in Microsoft 365 emulator with a demo tenant and demo mail",
		Long: "Starts m365sim in-process, creates the demo tenant contoso, performs the customer's setup steps in the emulator, " +
			"connects them, seeds the quarantine with fictional demo mail, runs the first sync and serves the console. " +
			"New demo mail arrives every --arrival. Data lives in --dir and is reused on the next start.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := a.config()
			if err != nil {
				return err
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				return err
			}
			// The demo keeps everything in its own directory, whatever the
			// configuration says, so it never touches a real installation.
			cfg.DataDir, cfg.DB, cfg.MasterKeyFile, cfg.MasterKey = abs, filepath.Join(abs, "qtriage.db"), filepath.Join(abs, "master.key"), ""
			cfg.SyncInterval = "1m"
			if err := cfg.EnsureDataDir(); err != nil {
				return err
			}
			log, err := a.logger()
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("demo: %w (use --listen to pick another address)", err)
			}
			sim, err := m365sim.New(m365sim.Options{StateDir: filepath.Join(abs, "m365sim"), Logger: log.With("component", "m365sim")})
			if err != nil {
				ln.Close()
				return err
			}
			defer sim.Close()
			svc, err := a.tenants(ctx)
			if err != nil {
				ln.Close()
				return err
			}
			if err := demoSetup(ctx, svc, sim); err != nil {
				ln.Close()
				return err
			}
			login, err := demoAccount(ctx, svc.Store, abs)
			if err != nil {
				ln.Close()
				return err
			}
			login.URL = "http://" + ln.Addr().String()
			return a.serve(ctx, ln, func(ctx context.Context, addr string, pipe *ingest.Service) error {
				t, err := svc.Get(ctx, demoTenant)
				if err != nil {
					return err
				}
				started := a.now().UTC()
				if err := pipe.SyncNow(ctx, t.ID); err != nil {
					return err
				}
				progress := a.stdout
				if asJSON {
					progress = io.Discard // stdout carries the one JSON line
				}
				if err := a.waitForSync(ctx, svc.Store, t, started, progress); err != nil {
					return err
				}
				if asJSON {
					b, _ := json.Marshal(login)
					fmt.Fprintln(a.stdout, string(b))
				} else {
					fmt.Fprintf(a.stdout, "\nqtriage demo is up: %s\nsign in as %q with password %q\nnew demo mail arrives every %s; stop with Ctrl-C\n", login.URL, login.User, login.Password, arrival)
				}
				go demoArrivals(ctx, sim, arrival, log)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "./qtriage-demo", "directory for the demo's data (reused on the next start)")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address of the console")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print one line {"url","user","password"} once everything is up`)
	cmd.Flags().DurationVar(&arrival, "arrival", time.Minute, "how often new demo mail arrives")
	return cmd
}

// demoSetup creates the demo tenant, performs the customer's setup in the
// emulator with its certificate, connects the two and seeds the quarantine
// on first start. The emulator listens on a new port each start, so the
// connection is stored again every time.
func demoSetup(ctx context.Context, svc *tenant.Service, sim *m365sim.Sim) error {
	if _, err := svc.Get(ctx, demoTenant); errors.Is(err, store.ErrNotFound) {
		if _, _, err := svc.Create(ctx, demoTenant, "Contoso Ltd"); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	cert, err := svc.Active(ctx, demoTenant)
	if err != nil {
		return err
	}
	res, err := sim.Setup(m365sim.SetupOptions{TenantName: demoTenant, Certificate: cert.DER})
	if err != nil {
		return fmt.Errorf("demo: setting the tenant up in m365sim: %w", err)
	}
	if _, err := svc.Connect(ctx, demoTenant, tenant.ConnectInput{AppID: res.AppID, DirectoryID: res.DirectoryID, Organization: res.Organization,
		Cloud: string(store.CloudCustom), AuthorityURL: res.AuthorityURL, ExchangeURL: res.ExchangeURL, CAFile: sim.CAFile()}); err != nil {
		return err
	}
	if err := demoDetectionSettings(ctx, svc.Store, demoTenant); err != nil {
		return err
	}
	items, err := sim.Quarantine(demoTenant)
	if err != nil {
		return err
	}
	if len(items) > 0 {
		return nil // seeded on an earlier start
	}
	msgs, err := demo.Messages()
	if err != nil {
		return err
	}
	now := time.Now()
	for _, m := range msgs {
		// Spread over the last 14 days, the same way on every machine.
		h := sha256.Sum256(m.Raw)
		ago := time.Duration(binary.BigEndian.Uint64(h[:8])%(14*24*3600)) * time.Second
		if _, err := sim.AddMessage(demoTenant, m.Raw, m365sim.MessageMeta{
			Type: m365sim.QuarantineType(m.QuarantineType), PolicyType: m.PolicyType, Received: now.Add(-ago), Recipients: m.Recipients,
		}); err != nil {
			return fmt.Errorf("demo: seeding %s: %w", m.File, err)
		}
	}
	return nil
}

// demoDetectionSettings gives the demo tenant, on first start, what a
// Contoso admin would enter on the detection settings page: its own domain,
// its CEO and its two partners of the demo mail. A later change made in the
// console is kept.
func demoDetectionSettings(ctx context.Context, st store.Store, slug string) error {
	t, err := st.Tenant(ctx, slug)
	if err != nil {
		return err
	}
	d, err := st.DetectionSettings(ctx, t.ID)
	if err != nil || !d.UpdatedAt.IsZero() {
		return err
	}
	return st.SetDetectionSettings(ctx, store.DetectionSettings{TenantID: t.ID,
		AcceptedDomains: []string{"contoso.example"}, VIPs: []string{"Lidia Holloway"},
		Partners: []string{"fabrikam.example", "northwind.example"}, UpdatedBy: "demo setup", UpdatedAt: time.Now()})
}

// demoAccount creates the demo user (admin of the demo tenant) on first
// start and keeps its password in the demo directory.
func demoAccount(ctx context.Context, st store.Store, dir string) (demoLogin, error) {
	file := filepath.Join(dir, "demo-login.json")
	if b, err := os.ReadFile(file); err == nil {
		var l demoLogin
		if err := json.Unmarshal(b, &l); err == nil && l.Password != "" {
			if _, err := st.User(ctx, l.User); err == nil {
				return l, nil
			}
		}
	}
	t, err := st.Tenant(ctx, demoTenant)
	if err != nil {
		return demoLogin{}, err
	}
	l := demoLogin{User: demoUser, Password: web.GeneratePassword()}
	hash, err := web.HashPassword(l.Password)
	if err != nil {
		return demoLogin{}, err
	}
	if u, err := st.User(ctx, demoUser); err == nil {
		if err := st.SetPassword(ctx, u.ID, hash); err != nil {
			return demoLogin{}, err
		}
	} else if err := st.CreateUser(ctx, store.User{ID: uuid.NewString(), Username: demoUser, PasswordHash: hash, CreatedAt: time.Now().UTC(),
		Roles: map[string]store.Role{t.ID: store.RoleAdmin}}); err != nil {
		return demoLogin{}, err
	}
	b, _ := json.Marshal(l)
	return l, writeFileAtomic(file, b, 0o600)
}

var messageIDRe = regexp.MustCompile(`(?mi)^Message-ID:[^\r\n]*`)

// demoArrivals adds a demo message to the quarantine now and then, as new
// mail arriving, with a fresh Message-ID so that each is a new message.
func demoArrivals(ctx context.Context, sim *m365sim.Sim, every time.Duration, log interface {
	Warn(string, ...any)
}) {
	msgs, err := demo.Messages()
	if err != nil || every <= 0 {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		m := msgs[rand.IntN(len(msgs))]
		raw := messageIDRe.ReplaceAll(m.Raw, []byte("Message-ID: <"+uuid.NewString()+"@demo.example>"))
		if _, err := sim.AddMessage(demoTenant, raw, m365sim.MessageMeta{Type: m365sim.QuarantineType(m.QuarantineType), PolicyType: m.PolicyType, Recipients: m.Recipients}); err != nil {
			log.Warn("demo arrival", "err", err)
		}
	}
}
