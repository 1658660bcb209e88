package analysis

import (
	"context"
	"strings"

	"github.com/qtriage/qtriage/internal/message"
)

// defectDetector turns the parser's defects into evidence: mail built to
// confuse parsers and filters usually breaks the format somewhere.
type defectDetector struct{}

func (defectDetector) Name() string    { return "defects" }
func (defectDetector) Version() string { return "1" }

// evasiveDefects are defects that filter-evading mail produces and
// ordinary mail software does not.
var evasiveDefects = map[message.DefectKind]string{
	message.DefectDuplicateSingleton: "a header that must appear once appears several times",
	message.DefectHeaderNoColon:      "a header line without a colon",
	message.DefectHeaderInvalidName:  "a header with an invalid name",
	message.DefectDataHasBoundary:    "a part's content contains its own boundary",
	message.DefectBadEncodedWord:     "a malformed encoded word in a header",
	message.DefectMissingBoundary:    "a multipart without a boundary",
	message.DefectBadBase64:          "invalid base64 content",
	message.DefectMIMEParse:          "the MIME structure could not be read",
	message.DefectTypeMismatch:       "an attachment whose content differs from its declared type",
}

// Run reports the defects worth an analyst's attention, one finding.
func (defectDetector) Run(_ context.Context, in *Input) ([]Finding, error) {
	var s findingSet
	for _, d := range in.Msg.Defects {
		note, ok := evasiveDefects[d.Kind]
		if !ok || d.Kind == message.DefectTypeMismatch || strings.Contains(d.Detail, "mbox From_") {
			continue
		}
		loc := "message"
		if d.Part != "" {
			loc = "part " + d.Part
		}
		s.add("defects.structure", "The message breaks the email format in ways filters can misread",
			Evidence{Location: loc, Value: string(d.Kind) + ": " + truncate(d.Detail, 160), Note: note})
	}
	for _, d := range in.Msg.Defects {
		if d.Kind == message.DefectLimit || d.Kind == message.DefectTruncated {
			s.add("defects.limit", "The message was too large or complex to read completely",
				Evidence{Location: "message", Value: string(d.Kind) + ": " + truncate(d.Detail, 160)})
		}
	}
	return s.list(), nil
}
