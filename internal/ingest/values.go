package ingest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pairwise/pairwise/internal/labeling"
)

// jsonKind returns the JSON type of a valid encoded value, named as the
// JSON specification names it.
func jsonKind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// decodeString decodes raw as a JSON string and checks it with checkText.
func decodeString(field string, raw json.RawMessage) (string, error) {
	if kind := jsonKind(raw); kind != "string" {
		return "", fieldError(field, "want a string, got %s", kind)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fieldError(field, "invalid string: %v", err)
	}
	return s, checkText(field, s)
}

// checkText rejects text that contains NUL (U+0000), which PostgreSQL text
// columns cannot store. The raw input is checked for invalid UTF-8 before
// decoding, so s is valid UTF-8.
func checkText(field, s string) error {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return fieldError(field, "text contains NUL (U+0000) at byte %d; remove it", i)
	}
	return nil
}

// decodeObject decodes raw as a JSON object into its members.
func decodeObject(field string, raw json.RawMessage) (map[string]json.RawMessage, error) {
	if kind := jsonKind(raw); kind != "object" {
		return nil, fieldError(field, "want an object, got %s", kind)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, fieldError(field, "invalid object: %v", err)
	}
	return members, nil
}

// decodeArray decodes raw as a JSON array into its elements.
func decodeArray(field string, raw json.RawMessage) ([]json.RawMessage, error) {
	if kind := jsonKind(raw); kind != "array" {
		return nil, fieldError(field, "want an array, got %s", kind)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, fieldError(field, "invalid array: %v", err)
	}
	return elems, nil
}

// decodeMessages decodes raw as a list of {"role", "content"} messages.
// Errors name the element, as in prompt[2].role. Members other than role
// and content are ignored.
func decodeMessages(field string, raw json.RawMessage) ([]labeling.Message, error) {
	elems, err := decodeArray(field, raw)
	if err != nil {
		return nil, err
	}
	msgs := make([]labeling.Message, len(elems))
	for i, elem := range elems {
		msgs[i], err = decodeMessage(fmt.Sprintf("%s[%d]", field, i), elem)
		if err != nil {
			return nil, err
		}
	}
	return msgs, nil
}

// decodeMessage decodes one {"role", "content"} object and checks that the
// role is system, user or assistant.
func decodeMessage(field string, raw json.RawMessage) (labeling.Message, error) {
	members, err := decodeObject(field, raw)
	if err != nil {
		return labeling.Message{}, err
	}
	role, err := requiredString(members, field+".role")
	if err != nil {
		return labeling.Message{}, err
	}
	switch role {
	case labeling.RoleSystem, labeling.RoleUser, labeling.RoleAssistant:
	default:
		return labeling.Message{}, fieldError(field+".role",
			"role %q is not system, user or assistant", role)
	}
	content, err := requiredString(members, field+".content")
	if err != nil {
		return labeling.Message{}, err
	}
	return labeling.Message{Role: role, Content: content}, nil
}

// requiredString decodes the string member named by the last dot-separated
// part of path, reporting errors under the whole path.
func requiredString(members map[string]json.RawMessage, path string) (string, error) {
	name := path[strings.LastIndexByte(path, '.')+1:]
	raw, ok := members[name]
	if !ok {
		return "", fieldError(path, "missing")
	}
	return decodeString(path, raw)
}
