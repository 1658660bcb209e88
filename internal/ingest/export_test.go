package ingest

import (
	"context"
	"encoding/hex"
	"encoding/json"

	"github.com/riverqueue/river"
)

// SetReanalysisPage sets how many messages a re-analysis queues at once,
// so that a test goes through several pages with a few messages. Call it
// before Start.
func (s *Service) SetReanalysisPage(n int) { s.page = n }

// QueueInterruptedReanalysis queues a re-analysis job as one that ran
// before, queued the analyses up to the hash after (queued of them) and
// then stopped: its process died and the job was made available again,
// or it failed and waits for its retry.
func (s *Service) QueueInterruptedReanalysis(ctx context.Context, tenantID string, outdated bool, after []byte, queued int) error {
	meta, err := json.Marshal(map[string]any{"output": reanalysisProgress{After: hex.EncodeToString(after), Queued: queued}})
	if err != nil {
		return err
	}
	_, err = s.q.Insert(ctx, ReanalyzeArgs{TenantID: tenantID, Outdated: outdated},
		&river.InsertOpts{Metadata: meta, UniqueOpts: uniqueWhileQueued(), Priority: reanalysisPriority})
	return err
}
