package exchange

import (
	"context"
	"errors"
	"sync"
)

// Clients keeps one Client per tenant for a long-running process, so that
// all of a tenant's work (sync jobs, analyst actions) shares one
// concurrency limit and one token cache. It is safe for concurrent use.
type Clients struct {
	// New builds the Client of a tenant (see the CLI's exchangeClient:
	// entra.ForTenant, then New).
	New func(ctx context.Context, tenant string) (*Client, error)

	mu sync.Mutex
	m  map[string]*Client
}

// Get returns the tenant's Client, building it on first use. A failed
// build is not remembered.
func (p *Clients) Get(ctx context.Context, tenant string) (*Client, error) {
	if p.New == nil {
		return nil, errors.New("exchange: Clients.New is not set")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.m[tenant]; ok {
		return c, nil
	}
	c, err := p.New(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if p.m == nil {
		p.m = map[string]*Client{}
	}
	p.m[tenant] = c
	return c, nil
}

// Forget drops the tenant's Client, after its connection or certificate
// changed; the next Get builds a new one.
func (p *Clients) Forget(tenant string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, tenant)
}
