package bpe

import (
	"bytes"
	"testing"
)

func TestByteLevelAlphabet(t *testing.T) {
	cases := []struct {
		b    byte
		want rune
	}{
		{'!', '!'}, {'~', '~'}, {' ', 'Ġ'}, {'\n', 'Ċ'}, {0, 'Ā'},
		{0x7f, 'ġ'}, {0xa0, 'ł'}, {0xad, 'Ń'}, {0xe9, 'é'},
	}
	for _, c := range cases {
		if got := byteRunes[c.b]; got != c.want {
			t.Errorf("byte 0x%02x is written %q, want %q", c.b, got, c.want)
		}
	}

	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	back, ok := byteLevelBytes(byteLevelString(all))
	if !ok || !bytes.Equal(back, all) {
		t.Errorf("round trip of all 256 bytes failed: ok=%v", ok)
	}
	if _, ok := byteLevelBytes("a b"); ok {
		t.Errorf("byteLevelBytes accepted a space, which the alphabet writes as 'Ġ'")
	}
}
