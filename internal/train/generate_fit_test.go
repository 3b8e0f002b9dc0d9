package train

import "testing"

func TestFitPromptKeepsPromptThatFits(t *testing.T) {
	cases := []struct {
		name              string
		prompt, ctx, max  int
		wantKept, wantNew int
	}{
		{"room for every new token", 10, 64, 16, 10, 16},
		{"context ends generation", 10, 64, 100, 10, 54},
		{"one free position", 63, 64, 16, 63, 1},
		{"prompt fills context", 64, 64, 16, 48, 16},
		{"prompt past context", 200, 64, 8, 56, 8},
		{"tiny context", 5, 2, 4, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids := make([]int32, c.prompt)
			for i := range ids {
				ids[i] = int32(i)
			}
			kept, room := fitPrompt(ids, c.ctx, c.max)
			if len(kept) != c.wantKept {
				t.Errorf("kept %d prompt tokens, want %d", len(kept), c.wantKept)
			}
			if room != c.wantNew {
				t.Errorf("room for %d new tokens, want %d", room, c.wantNew)
			}
			if len(kept)+room > c.ctx {
				t.Errorf("%d prompt + %d new tokens overflow the context of %d", len(kept), room, c.ctx)
			}
			if len(kept) > 0 && kept[len(kept)-1] != ids[len(ids)-1] {
				t.Errorf("last kept token %d, want the prompt's last token %d", kept[len(kept)-1], ids[len(ids)-1])
			}
		})
	}
}
