package ingest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pairwise/pairwise/internal/labeling"
)

// FormatOASST is an OpenAssistant conversation tree per record, whose
// ranked sibling replies become preference pairs.
const FormatOASST Format = "oasst"

// Skip reasons of OpenAssistant trees. Each names one message.
const (
	// SkipUnranked marks an assistant reply without a rank.
	SkipUnranked SkipReason = "unranked_reply"
	// SkipLoneRanked marks a ranked reply with no other usable ranked
	// reply to the same message.
	SkipLoneRanked SkipReason = "no_ranked_sibling"
	// SkipEqualRank marks two sibling replies that share a rank.
	SkipEqualRank SkipReason = "equal_rank"
	// SkipDeleted marks a deleted message and everything below it.
	SkipDeleted SkipReason = "deleted_message"
	// SkipFailedReview marks a message whose review_result is false, and
	// everything below it.
	SkipFailedReview SkipReason = "failed_review"
	// SkipNotEnglish marks a message whose lang is not English, and
	// everything below it.
	SkipNotEnglish SkipReason = "not_english"
)

// OpenAssistant roles.
const (
	oasstPrompter  = "prompter"
	oasstAssistant = "assistant"
)

// oasstMessage is one node of an OpenAssistant message tree.
type oasstMessage struct {
	field        string // path in the record, for errors
	id           string
	role         string
	text         string
	model        string
	rank         *int
	deleted      bool
	reviewFailed bool
	lang         string
	replies      []*oasstMessage
}

// isOASSTTree reports whether a record is an OpenAssistant tree as
// parseOASST reads it: a tree wrapper with message_tree_id or tree_state,
// or a root message with its replies nested.
func isOASSTTree(rec record) bool {
	has := func(name string) bool {
		_, ok := rec.members[name]
		return ok
	}
	if has("message_tree_id") || has("tree_state") {
		return true
	}
	return has("message_id") && has("replies") && (has("role") || has("text"))
}

// parseOASST reads one OpenAssistant message tree and returns a row for
// every pair of ranked sibling assistant replies, the better reply first
// and labelled as preferred. The prompt of a pair is the conversation from
// the root down to the replies' parent.
func parseOASST(rec record) (outcome, error) {
	root, err := readOASSTRoot(rec)
	if err != nil {
		return outcome{}, err
	}
	if root.role != oasstPrompter {
		return outcome{}, fieldError(root.field+"role",
			"the root message has role %q; a tree starts with a prompter message", root.role)
	}

	var w oasstWalker
	if w.usable(root) {
		w.visitPrompter(nil, root)
	}
	return outcome{rows: w.rows, skips: w.skips}, nil
}

// readOASSTRoot decodes the root message of a tree wrapper's prompt, or
// of a record that is itself the root message.
func readOASSTRoot(rec record) (*oasstMessage, error) {
	has := func(name string) bool {
		_, ok := rec.members[name]
		return ok
	}
	if has("message_tree_id") || has("tree_state") {
		raw, ok := rec.members["prompt"]
		if !ok {
			return nil, fieldError("prompt", "missing; a message tree keeps its root message in prompt")
		}
		members, err := decodeObject("prompt", raw)
		if err != nil {
			return nil, err
		}
		return decodeOASSTMessage("prompt.", members)
	}
	if !has("message_id") {
		return nil, fieldError("", "want an OpenAssistant message tree: "+
			"message_tree_id and a prompt message, or a root message "+
			"with message_id, role, text and replies; got the fields %s", rec.keys())
	}
	if !has("replies") {
		return nil, fieldError("replies", "missing; this looks like one "+
			"message of a flat OpenAssistant export, where each line is one "+
			"message, but this format reads one tree per line: import the "+
			"trees file of the export (its name ends in trees.jsonl or "+
			"trees.jsonl.gz)")
	}
	return decodeOASSTMessage("", rec.members)
}

// decodeOASSTMessage decodes a message and its replies. prefix is the
// path of the message in the record, such as "prompt.replies[0].", put
// before the names of its fields in errors.
func decodeOASSTMessage(prefix string, members map[string]json.RawMessage) (*oasstMessage, error) {
	m := &oasstMessage{field: prefix}
	var err error
	if m.role, err = requiredOASSTString(members, prefix, "role"); err != nil {
		return nil, err
	}
	if m.role != oasstPrompter && m.role != oasstAssistant {
		return nil, fieldError(prefix+"role", "role %q is not prompter or assistant", m.role)
	}
	if m.text, err = requiredOASSTString(members, prefix, "text"); err != nil {
		return nil, err
	}
	if err := m.decodeOptional(members); err != nil {
		return nil, err
	}

	raw, ok := members["replies"]
	if !ok || jsonKind(raw) == "null" {
		return m, nil
	}
	elems, err := decodeArray(prefix+"replies", raw)
	if err != nil {
		return nil, err
	}
	for i, elem := range elems {
		field := fmt.Sprintf("%sreplies[%d]", prefix, i)
		reply, err := decodeObject(field, elem)
		if err != nil {
			return nil, err
		}
		child, err := decodeOASSTMessage(field+".", reply)
		if err != nil {
			return nil, err
		}
		if child.role == m.role {
			return nil, fieldError(field+".role", "a %s message replies to a %s "+
				"message; prompter and assistant messages must alternate", child.role, m.role)
		}
		m.replies = append(m.replies, child)
	}
	return m, nil
}

// decodeOptional decodes the fields that may be absent or null:
// message_id, model_name, lang, rank, deleted and review_result.
func (m *oasstMessage) decodeOptional(members map[string]json.RawMessage) error {
	var err error
	if m.id, err = optionalOASSTString(members, m.field, "message_id"); err != nil {
		return err
	}
	if m.model, err = optionalOASSTString(members, m.field, "model_name"); err != nil {
		return err
	}
	if m.lang, err = optionalOASSTString(members, m.field, "lang"); err != nil {
		return err
	}
	if raw, ok := members["rank"]; ok && jsonKind(raw) != "null" {
		var rank int
		if err := json.Unmarshal(raw, &rank); err != nil || rank < 0 {
			return fieldError(m.field+"rank", "want a whole number, 0 or more, or null; got %s", raw)
		}
		m.rank = &rank
	}
	if m.deleted, err = optionalOASSTBool(members, m.field, "deleted", false); err != nil {
		return err
	}
	passed, err := optionalOASSTBool(members, m.field, "review_result", true)
	m.reviewFailed = !passed
	return err
}

// requiredOASSTString decodes a string member that must be present.
func requiredOASSTString(members map[string]json.RawMessage, prefix, name string) (string, error) {
	raw, ok := members[name]
	if !ok {
		return "", fieldError(prefix+name, "missing")
	}
	return decodeString(prefix+name, raw)
}

// optionalOASSTString decodes a string member that may be absent or null,
// and returns "" for both.
func optionalOASSTString(members map[string]json.RawMessage, prefix, name string) (string, error) {
	raw, ok := members[name]
	if !ok || jsonKind(raw) == "null" {
		return "", nil
	}
	return decodeString(prefix+name, raw)
}

// optionalOASSTBool decodes a boolean member that may be absent or null,
// and returns def for both.
func optionalOASSTBool(members map[string]json.RawMessage, prefix, name string, def bool) (bool, error) {
	raw, ok := members[name]
	if !ok || jsonKind(raw) == "null" {
		return def, nil
	}
	if kind := jsonKind(raw); kind != "boolean" {
		return false, fieldError(prefix+name, "want a boolean, got %s", kind)
	}
	return string(raw) == "true", nil
}

// oasstWalker collects the rows and skips of one tree.
type oasstWalker struct {
	rows  []labeling.Row
	skips []Skip
}

// usable reports whether m and the messages below it can be used, and
// records a skip when they cannot: m is deleted, failed review or is not
// in English.
func (w *oasstWalker) usable(m *oasstMessage) bool {
	var reason SkipReason
	var cause string
	switch {
	case m.deleted:
		reason, cause = SkipDeleted, "is deleted"
	case m.reviewFailed:
		reason, cause = SkipFailedReview, "failed review (review_result is false)"
	case !isEnglish(m.lang):
		reason, cause = SkipNotEnglish, fmt.Sprintf("has lang %q, not English", m.lang)
	default:
		return true
	}
	detail := fmt.Sprintf("%s message %s %s", m.role, m.describe(), cause)
	switch n := countBelow(m); {
	case n == 1:
		detail += "; the message below it is left out too"
	case n > 1:
		detail += fmt.Sprintf("; the %d messages below it are left out too", n)
	}
	w.skip(reason, detail)
	return false
}

// isEnglish reports whether lang is empty or an English language tag,
// such as "en" or "en-US".
func isEnglish(lang string) bool {
	if lang == "" {
		return true
	}
	primary, _, _ := strings.Cut(strings.ReplaceAll(lang, "_", "-"), "-")
	return strings.EqualFold(primary, "en")
}

// countBelow returns the number of messages below m.
func countBelow(m *oasstMessage) int {
	n := 0
	for _, r := range m.replies {
		n += 1 + countBelow(r)
	}
	return n
}

// describe names m in skip details by its message_id, or by its path in
// the record when it has none.
func (m *oasstMessage) describe() string {
	if m.id != "" {
		return m.id
	}
	return "at " + strings.TrimSuffix(m.field, ".")
}

func (w *oasstWalker) skip(reason SkipReason, detail string) {
	w.skips = append(w.skips, Skip{Reason: reason, Detail: detail})
}

// visitPrompter pairs the ranked assistant replies to prompter message p,
// whose conversation before it is history, and then visits the replies, so
// that the rows of a tree come out from the root down.
func (w *oasstWalker) visitPrompter(history labeling.Conversation, p *oasstMessage) {
	prompt := append(slices.Clip(history), labeling.Message{Role: labeling.RoleUser, Content: p.text})
	var usable, ranked []*oasstMessage
	for _, reply := range p.replies {
		if reply.role != oasstAssistant || !w.usable(reply) {
			continue
		}
		usable = append(usable, reply)
		if reply.rank == nil {
			w.skip(SkipUnranked, fmt.Sprintf("assistant reply %s has no rank", reply.describe()))
		} else {
			ranked = append(ranked, reply)
		}
	}
	w.pairRanked(prompt, ranked)
	for _, reply := range usable {
		w.visitAssistant(prompt, reply)
	}
}

// visitAssistant visits the prompter replies to assistant message a.
func (w *oasstWalker) visitAssistant(prompt labeling.Conversation, a *oasstMessage) {
	history := append(slices.Clip(prompt), labeling.Message{Role: labeling.RoleAssistant, Content: a.text})
	for _, reply := range a.replies {
		if reply.role == oasstPrompter && w.usable(reply) {
			w.visitPrompter(history, reply)
		}
	}
}

// pairRanked adds a row for every pair of replies with different ranks,
// the lower rank (the better reply) first.
func (w *oasstWalker) pairRanked(prompt labeling.Conversation, ranked []*oasstMessage) {
	if len(ranked) == 1 {
		w.skip(SkipLoneRanked, fmt.Sprintf("assistant reply %s has rank %d, "+
			"but no other usable reply to the same message has a rank",
			ranked[0].describe(), *ranked[0].rank))
		return
	}
	slices.SortStableFunc(ranked, func(a, b *oasstMessage) int { return *a.rank - *b.rank })
	for i, better := range ranked {
		for _, worse := range ranked[i+1:] {
			w.pair(prompt, better, worse)
		}
	}
}

// pair adds the row of one pair, or a skip when the two replies share a
// rank or a text.
func (w *oasstWalker) pair(prompt labeling.Conversation, better, worse *oasstMessage) {
	switch {
	case *better.rank == *worse.rank:
		w.skip(SkipEqualRank, fmt.Sprintf("assistant replies %s and %s share rank %d, "+
			"so neither is preferred", better.describe(), worse.describe(), *better.rank))
	case better.text == worse.text:
		w.skip(SkipIdentical, fmt.Sprintf("assistant replies %s and %s are identical",
			better.describe(), worse.describe()))
	default:
		w.rows = append(w.rows, labeling.Row{
			Prompt: prompt,
			Candidates: []labeling.Candidate{
				{Content: better.text, Model: better.model},
				{Content: worse.text, Model: worse.model},
			},
			Label: &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 0},
		})
	}
}
