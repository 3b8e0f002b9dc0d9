package labeling

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidatePrompt(t *testing.T) {
	cases := []struct {
		name   string
		prompt Conversation
		want   string // part of the error; empty for a valid prompt
	}{
		{"one user turn", Conversation{{RoleUser, "hi"}}, ""},
		{"system then user", Conversation{{RoleSystem, "be brief"}, {RoleUser, "hi"}}, ""},
		{"multi-turn", Conversation{{RoleUser, "a"}, {RoleAssistant, "b"}, {RoleUser, "c"}}, ""},
		{"empty", nil, "no messages"},
		{"ends with assistant", Conversation{{RoleUser, "a"}, {RoleAssistant, "b"}}, "last message has role assistant"},
		{"late system", Conversation{{RoleUser, "a"}, {RoleSystem, "b"}, {RoleUser, "c"}}, "may only come first"},
		{"unknown role", Conversation{{"tool", "x"}, {RoleUser, "a"}}, `role "tool"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.prompt.ValidatePrompt()
			if c.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestProjectValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Project)
		want   string
	}{
		{"defaults", func(*Project) {}, ""},
		{"empty name", func(p *Project) { p.Name = "" }, "name is empty"},
		{"zero overlap", func(p *Project) { p.JudgmentsWanted = 0 }, "judgments per comparison is 0"},
		{"short lease", func(p *Project) { p.Lease = time.Millisecond }, "lease is 1ms"},
		{"no open leases", func(p *Project) { p.MaxOpenLeases = 0 }, "open leases per annotator is 0"},
		{"gold share over 1", func(p *Project) { p.GoldShare = 1.5 }, "gold share is 1.5"},
		{"bad rubric key", func(p *Project) { p.Rubric = []Criterion{{"Has Space", "x", "", 1, 5}} }, `key "Has Space"`},
		{"rubric min not below max", func(p *Project) { p.Rubric = []Criterion{{"k", "x", "", 5, 5}} }, "scale 5 to 5"},
		{"rubric key twice", func(p *Project) {
			p.Rubric = []Criterion{{"k", "x", "", 1, 5}, {"k", "y", "", 1, 5}}
		}, `"k" appears twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewProject("p")
			c.change(&p)
			err := p.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an ErrInvalid containing %q", err, c.want)
			}
		})
	}
}

func TestCriteriaDefault(t *testing.T) {
	p := NewProject("p")
	if got := len(p.Criteria()); got != 4 {
		t.Errorf("default criteria: got %d, want 4", got)
	}
	p.Rubric = []Criterion{{"clarity", "Clarity", "", 0, 10}}
	if got := p.Criteria()[0].Key; got != "clarity" {
		t.Errorf("custom criteria: got %q, want clarity", got)
	}
}
