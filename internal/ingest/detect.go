package ingest

import (
	"fmt"
	"strings"
)

// parseFunc turns one record of a format into an outcome, or returns a
// *LineError without a line number when the record is malformed.
type parseFunc func(record) (outcome, error)

// parsers holds the parser of each concrete format.
var parsers = map[Format]parseFunc{
	FormatPairs:       parsePairs,
	FormatTRL:         parseTRL,
	FormatHH:          parseHH,
	FormatCompletions: parseCompletions,
	FormatReward:      parseReward,
	FormatKTO:         parseKTO,
	FormatOpenAI:      parseOpenAI,
	FormatSFT:         parseSFT,
	FormatRubric:      parseRubric,
	FormatJudgments:   parseJudgments,
	FormatOASST:       parseOASST,
}

// detectFormat chooses the format from the keys of the first record, after
// applying the field map:
//   - oasst: an OpenAssistant message tree (see isOASSTTree);
//   - completions: a completions field;
//   - hh: chosen and rejected, both strings that start with "\n\nHuman:";
//   - trl: chosen and rejected otherwise;
//   - pairs: response_a or response_b, or any field map at all.
//
// The fields of the other export formats are checked first; see
// detectExportFormat.
func detectFormat(rec record) (Format, error) {
	if f, ok := detectExportFormat(rec); ok {
		return f, nil
	}
	switch {
	case isOASSTTree(rec):
		return FormatOASST, nil
	case rec.has("completions"):
		return FormatCompletions, nil
	case rec.has("chosen") && rec.has("rejected"):
		if isTranscript(rec, "chosen") && isTranscript(rec, "rejected") {
			return FormatHH, nil
		}
		return FormatTRL, nil
	case rec.has("response_a") || rec.has("response_b") || len(rec.names) > 0:
		return FormatPairs, nil
	}
	reason := fmt.Sprintf("cannot detect the format from the record's fields %s; "+
		"choose the format (--format on the command line, the Format field "+
		"on the import form, format= in the API) with one of: "+
		"pairs (prompt, response_a, response_b), "+
		"trl (chosen, rejected, optional prompt), "+
		`hh (chosen, rejected, transcripts that start with "\n\nHuman:"), `+
		"completions (prompt, completions), "+
		"reward, kto, openai, sft, rubric or judgments (as pairwise exports them); "+
		"or map the fields (--map, the Field map field, map=)", rec.keys())
	if isOpenAssistant(rec) {
		reason += "; the fields look like one message of a flat " +
			"OpenAssistant export: import the export's trees file, " +
			"one message tree per line, which is read as the oasst format"
	}
	err := fieldError("", "%s", reason)
	err.UnknownFormat = true
	return "", err
}

// isOpenAssistant reports whether the record's own field names are those
// of an OpenAssistant message or message tree export.
func isOpenAssistant(rec record) bool {
	has := func(name string) bool {
		_, ok := rec.members[name]
		return ok
	}
	if has("message_tree_id") || has("tree_state") {
		return true
	}
	return has("message_id") && has("parent_id") && (has("role") || has("text"))
}

// isTranscript reports whether canonical is one string field that starts
// with an HH Human marker.
func isTranscript(rec record, canonical string) bool {
	raw, _, err := rec.value(canonical)
	if err != nil || jsonKind(raw) != "string" {
		return false
	}
	s, err := decodeString("", raw)
	return err == nil && strings.HasPrefix(s, humanMarker)
}
