package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pairwise/pairwise/internal/labeling"
)

// record is one JSON object of the input, read through a FieldMap.
type record struct {
	members map[string]json.RawMessage
	names   FieldMap
}

// decodeRecord checks that raw is valid UTF-8 and one JSON object, and
// returns its members. The UTF-8 check comes first because encoding/json
// silently replaces invalid bytes with U+FFFD.
func decodeRecord(raw []byte, names FieldMap) (record, error) {
	if !utf8.Valid(raw) {
		return record{}, fieldError("", "%s", invalidUTF8Reason(raw, "record"))
	}
	var members map[string]json.RawMessage
	err := json.Unmarshal(raw, &members)
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		return record{}, fieldError("", "want a JSON object, got %s", jsonKind(raw))
	case err != nil:
		return record{}, fieldError("", "invalid JSON: %v", err)
	case members == nil:
		return record{}, fieldError("", "want a JSON object, got null")
	}
	return record{members: members, names: names}, nil
}

// invalidUTF8Offset returns the byte offset of the first invalid UTF-8
// sequence in b.
func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// has reports whether every file field that canonical is read from is
// present, null included.
func (r record) has(canonical string) bool {
	for _, f := range r.names.sources(canonical) {
		if _, ok := r.members[f]; !ok {
			return false
		}
	}
	return true
}

// isSet reports whether any file field that canonical is read from is
// present and not null.
func (r record) isSet(canonical string) bool {
	for _, f := range r.names.sources(canonical) {
		if raw, ok := r.members[f]; ok && jsonKind(raw) != "null" {
			return true
		}
	}
	return false
}

// value returns the encoded value of a canonical field that is read from
// one file field, and that file field's name.
func (r record) value(canonical string) (json.RawMessage, string, error) {
	sources := r.names.sources(canonical)
	if len(sources) > 1 {
		return nil, sources[0], fieldError(r.names.fileName(canonical),
			"%s must be read from one field, not several joined with +", canonical)
	}
	raw, ok := r.members[sources[0]]
	if !ok {
		return nil, sources[0], fieldError(sources[0], "missing")
	}
	return raw, sources[0], nil
}

// text returns a required string field. When canonical is read from
// several file fields, each must be a string, and the non-empty ones are
// joined with "\n\n".
func (r record) text(canonical string) (string, error) {
	sources := r.names.sources(canonical)
	parts := make([]string, 0, len(sources))
	for _, f := range sources {
		raw, ok := r.members[f]
		if !ok {
			return "", fieldError(f, "missing")
		}
		s, err := decodeString(f, raw)
		if err != nil {
			return "", err
		}
		if len(sources) == 1 || s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n\n"), nil
}

// optionalText returns a string field that may be absent or null, and
// reports whether it was set.
func (r record) optionalText(canonical string) (s string, ok bool, err error) {
	if !r.isSet(canonical) {
		return "", false, nil
	}
	s, err = r.text(canonical)
	return s, err == nil, err
}

// textOrMessages is a field that may be a string or a list of messages.
type textOrMessages struct {
	text     string
	messages []labeling.Message
	isText   bool
}

// textOrMessages reads a field that is either a string or a list of
// messages. A field joined from several file fields is always a string.
func (r record) textOrMessages(canonical string) (textOrMessages, error) {
	if len(r.names.sources(canonical)) > 1 {
		s, err := r.text(canonical)
		return textOrMessages{text: s, isText: true}, err
	}
	raw, field, err := r.value(canonical)
	if err != nil {
		return textOrMessages{}, err
	}
	switch kind := jsonKind(raw); kind {
	case "string":
		s, err := decodeString(field, raw)
		return textOrMessages{text: s, isText: true}, err
	case "array":
		msgs, err := decodeMessages(field, raw)
		return textOrMessages{messages: msgs}, err
	default:
		return textOrMessages{}, fieldError(field,
			"want a string or a list of messages, got %s", kind)
	}
}

// conversation reads a field that is either a string, taken as one user
// message, or a list of messages.
func (r record) conversation(canonical string) (labeling.Conversation, error) {
	v, err := r.textOrMessages(canonical)
	if err != nil {
		return nil, err
	}
	if v.isText {
		return userMessage(v.text), nil
	}
	return v.messages, nil
}

// userMessage returns a conversation of one user message with content s.
func userMessage(s string) labeling.Conversation {
	return labeling.Conversation{{Role: labeling.RoleUser, Content: s}}
}

// keys returns the record's member names, quoted and sorted, for error
// messages.
func (r record) keys() string {
	names := make([]string, 0, len(r.members))
	for name := range r.members {
		names = append(names, fmt.Sprintf("%q", name))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
