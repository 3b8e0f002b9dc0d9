package ingest

import (
	"strings"
	"testing"
	"unicode/utf16"
)

// utf16LE returns s encoded as UTF-16LE, with a byte-order mark when bom
// is true.
func utf16LE(s string, bom bool) string {
	var b []byte
	if bom {
		b = append(b, 0xff, 0xfe)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

// utf16BE returns s encoded as UTF-16BE without a byte-order mark.
func utf16BE(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return string(b)
}

func TestReadWideEncodings(t *testing.T) {
	jsonl := goodRecords[FormatPairs] + "\n"
	csvText := "prompt,response_a,response_b\np,a,b\n"
	tests := []struct {
		name   string
		format Format
		input  string
		want   string // a part of the reason
	}{
		{"JSONL UTF-16LE with BOM", FormatAuto, utf16LE(jsonl, true),
			"encoded as UTF-16LE (it starts with the byte-order mark FF FE)"},
		{"JSONL UTF-16LE without BOM", FormatAuto, utf16LE(jsonl, false),
			"encoded as UTF-16LE (every other byte of its start is NUL)"},
		{"JSONL UTF-16BE without BOM", FormatAuto, utf16BE(jsonl),
			"encoded as UTF-16BE"},
		{"JSONL UTF-16BE with BOM", FormatAuto, "\xfe\xff" + utf16BE(jsonl),
			"byte-order mark FE FF"},
		{"JSONL UTF-32LE with BOM", FormatAuto, "\xff\xfe\x00\x00{\x00\x00\x00",
			"encoded as UTF-32LE"},
		{"gzipped JSONL UTF-16LE", FormatAuto, gzipped(t, utf16LE(jsonl, true)),
			"encoded as UTF-16LE"},
		{"CSV UTF-16LE with BOM", FormatCSV, utf16LE(csvText, true),
			"encoded as UTF-16LE"},
		{"CSV UTF-16LE without BOM", FormatCSV, utf16LE(csvText, false),
			"encoded as UTF-16LE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, tt.input, Options{Format: tt.format})
			malformed := mustMalformed(t, err)
			if malformed.Total != 1 {
				t.Errorf("malformed records: got %v, want %v", malformed.Total, 1)
			}
			got := malformed.Lines[0]
			if got.Line != 1 {
				t.Errorf("line: got %v, want %v", got.Line, 1)
			}
			if !strings.Contains(got.Reason, tt.want) {
				t.Errorf("reason: got %q, want it to contain %q", got.Reason, tt.want)
			}
			if !strings.Contains(got.Reason, "re-save it as UTF-8") {
				t.Errorf("reason: got %q, want it to say to re-save as UTF-8", got.Reason)
			}
		})
	}
}

func TestReadJSONLSingleByteEncodings(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		reason string
	}{
		{"Windows-1252 quotes", "say \x93hi\x94",
			"invalid UTF-8 at byte 16 of the record (byte 0x93, which is '“' in Windows-1252); " +
				"the file looks like Windows-1252, not UTF-8; re-save it as UTF-8, " +
				"for example with iconv -f WINDOWS-1252 -t UTF-8"},
		{"Latin-1 letter", "caf\xe9",
			"invalid UTF-8 at byte 15 of the record (byte 0xE9, which is 'é' in Windows-1252); " +
				"the file looks like Windows-1252 or Latin-1 (ISO-8859-1), not UTF-8"},
		{"GBK", "\xc4\xe3\xba\xc3",
			"invalid UTF-8 at byte 12 of the record (byte 0xC4, which is 'Ä' in Windows-1252); " +
				"the file is not UTF-8 and its encoding could not be detected"},
		{"byte undefined in Windows-1252", "x\x81y",
			"invalid UTF-8 at byte 13 of the record (byte 0x81); the file is not UTF-8 and its encoding could not be detected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := goodRecords[FormatPairs] + "\n" +
				`{"prompt": "` + tt.text + `", "response_a": "a", "response_b": "b"}` + "\n"
			_, _, err := readString(t, input, Options{})
			malformed := mustMalformed(t, err)
			got := malformed.Lines[0]
			if got.Line != 2 {
				t.Errorf("line: got %v, want %v", got.Line, 2)
			}
			if !strings.HasPrefix(got.Reason, tt.reason) {
				t.Errorf("reason: got %q, want it to start with %q", got.Reason, tt.reason)
			}
		})
	}
}

func TestNULPattern(t *testing.T) {
	tests := []struct {
		name string
		head string
		want string
	}{
		{"UTF-8", "prompt,response_a", ""},
		{"UTF-16LE", utf16LE("prompt", false), "UTF-16LE"},
		{"UTF-16BE", utf16BE("prompt"), "UTF-16BE"},
		{"UTF-16LE of non-Latin text", utf16LE("привет мир", false), ""},
		{"one NUL in UTF-8", "ab\x00cdefgh", ""},
		{"too short", "a\x00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nulPattern([]byte(tt.head)); got != tt.want {
				t.Errorf("nulPattern(%q): got %q, want %q", tt.head, got, tt.want)
			}
		})
	}
}
