package ingest

import (
	"testing"
)

func TestMalformedErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  MalformedError
		want string
	}{
		{
			name: "one",
			err:  MalformedError{Lines: []LineError{{Line: 4, Reason: "invalid JSON: unexpected end of JSON input"}}, Total: 1},
			want: "import rejected: 1 malformed record, nothing was imported\n" +
				"line 4: invalid JSON: unexpected end of JSON input",
		},
		{
			name: "capped",
			err: MalformedError{
				Lines: []LineError{
					{Line: 12, Field: "response_a", Reason: "want a string, got boolean"},
					{Line: 13, Field: "prompt[1].role", Reason: `role "bot" is not system, user or assistant`},
				},
				Total: 5,
			},
			want: "import rejected: 5 malformed records, nothing was imported\n" +
				"line 12: field \"response_a\": want a string, got boolean\n" +
				"line 13: field \"prompt[1].role\": role \"bot\" is not system, user or assistant\n" +
				"... and 3 more",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("message: got %q, want %q", got, tt.want)
			}
		})
	}
}
