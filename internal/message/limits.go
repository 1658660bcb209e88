package message

import "time"

// Limits bounds the work Parse does on one message. A zero field means "use
// the default" (see DefaultLimits); hitting a limit adds a defect of kind
// DefectLimit and yields a partial model.
type Limits struct {
	// MaxMessageBytes is the largest input read; bytes beyond it are dropped.
	MaxMessageBytes int `json:"max_message_bytes"`
	// MaxParts is the most MIME parts modelled (over the whole tree, nested messages included).
	MaxParts int `json:"max_parts"`
	// MaxDepth is the deepest nesting of multiparts and message/rfc822 parts followed.
	MaxDepth int `json:"max_depth"`
	// MaxDecodedBytes caps the sum of decoded part sizes that are analysed.
	MaxDecodedBytes int64 `json:"max_decoded_bytes"`
	// MaxHeaders caps the number of header fields kept per header block.
	MaxHeaders int `json:"max_headers"`
	// MaxLinks caps the number of links kept.
	MaxLinks int `json:"max_links"`
	// MaxArchiveDepth is how deep nested archives are opened.
	MaxArchiveDepth int `json:"max_archive_depth"`
	// MaxArchiveEntries caps the entries listed over one attachment's archives.
	MaxArchiveEntries int `json:"max_archive_entries"`
	// MaxArchiveExpandedBytes caps the bytes decompressed from one attachment's archives.
	MaxArchiveExpandedBytes int64 `json:"max_archive_expanded_bytes"`
	// MaxTime is the time budget for one message; later stages are skipped once it is spent.
	MaxTime time.Duration `json:"max_time"`
}

// DefaultLimits returns the limits used when a field of Limits is zero.
func DefaultLimits() Limits {
	return Limits{
		MaxMessageBytes:         50 << 20,
		MaxParts:                1000,
		MaxDepth:                10,
		MaxDecodedBytes:         200 << 20,
		MaxHeaders:              2000,
		MaxLinks:                5000,
		MaxArchiveDepth:         3,
		MaxArchiveEntries:       10000,
		MaxArchiveExpandedBytes: 100 << 20,
		MaxTime:                 10 * time.Second,
	}
}

// withDefaults fills zero or negative fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = d.MaxMessageBytes
	}
	if l.MaxParts <= 0 {
		l.MaxParts = d.MaxParts
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxDecodedBytes <= 0 {
		l.MaxDecodedBytes = d.MaxDecodedBytes
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = d.MaxHeaders
	}
	if l.MaxLinks <= 0 {
		l.MaxLinks = d.MaxLinks
	}
	if l.MaxArchiveDepth <= 0 {
		l.MaxArchiveDepth = d.MaxArchiveDepth
	}
	if l.MaxArchiveEntries <= 0 {
		l.MaxArchiveEntries = d.MaxArchiveEntries
	}
	if l.MaxArchiveExpandedBytes <= 0 {
		l.MaxArchiveExpandedBytes = d.MaxArchiveExpandedBytes
	}
	if l.MaxTime <= 0 {
		l.MaxTime = d.MaxTime
	}
	return l
}
