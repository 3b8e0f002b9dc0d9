package ingest

import (
	"fmt"
	"slices"
	"strings"
)

// FieldMap maps canonical field names to the names used in the file. A
// value may join several file fields with "+", such as "instruction+input".
// Their string values are then joined with a blank line ("\n\n"), and empty
// ones are left out. Canonical names that are not in the map are read under
// their own name.
type FieldMap map[string]string

// canonicalFields lists the names a FieldMap may rename: those of the pairs
// format first, then those of the TRL, HH and completions formats.
var canonicalFields = []string{
	"prompt", "system", "response_a", "response_b", "label", "model_a", "model_b",
	"chosen", "rejected", "completions",
}

// unjoinableFields are canonical fields whose value is not a string, so
// they cannot be read from several file fields joined with "+".
var unjoinableFields = []string{"label", "completions"}

// ParseFieldMap parses a comma-separated list of canonical=file entries,
// such as "prompt=instruction+input,response_a=output_1". Spaces around
// names are ignored. An empty string returns a nil map. The error names the
// entry at fault and lists the canonical names.
func ParseFieldMap(s string) (FieldMap, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := FieldMap{}
	for entry := range strings.SplitSeq(s, ",") {
		canonical, source, err := parseFieldEntry(entry)
		if err != nil {
			return nil, err
		}
		if _, dup := m[canonical]; dup {
			return nil, fmt.Errorf("invalid field map entry %q: %s is mapped twice",
				entry, canonical)
		}
		m[canonical] = source
	}
	return m, nil
}

// parseFieldEntry parses one "canonical=file[+file...]" entry and returns
// the canonical name and the file field names with spaces removed.
func parseFieldEntry(entry string) (canonical, source string, err error) {
	canonical, source, ok := strings.Cut(entry, "=")
	if !ok {
		return "", "", fmt.Errorf("invalid field map entry %q: "+
			"want canonical=file_field, canonical one of %s",
			entry, strings.Join(canonicalFields, ", "))
	}
	canonical = strings.TrimSpace(canonical)
	if !slices.Contains(canonicalFields, canonical) {
		return "", "", fmt.Errorf("invalid field map entry %q: "+
			"unknown canonical field %q, want one of %s",
			entry, canonical, strings.Join(canonicalFields, ", "))
	}

	parts := strings.Split(source, "+")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
		if parts[i] == "" {
			return "", "", fmt.Errorf("invalid field map entry %q: empty file field name", entry)
		}
	}
	if len(parts) > 1 && slices.Contains(unjoinableFields, canonical) {
		return "", "", fmt.Errorf("invalid field map entry %q: "+
			"%s is not text, so it cannot join fields with +", entry, canonical)
	}
	return canonical, strings.Join(parts, "+"), nil
}

// sources returns the file field names that canonical is read from.
func (m FieldMap) sources(canonical string) []string {
	source, ok := m[canonical]
	if !ok {
		return []string{canonical}
	}
	return strings.Split(source, "+")
}

// fileName returns the name canonical has in the file, with "+" between
// the names of joined fields.
func (m FieldMap) fileName(canonical string) string {
	if source, ok := m[canonical]; ok {
		return source
	}
	return canonical
}
