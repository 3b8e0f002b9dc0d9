package bpe

// GPT-2 stores tokens in vocab.json and merges.txt as text in which every
// byte is written as one printable rune. A byte that is printable in
// Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') is written as the rune of the same
// value. The other 68 bytes (controls, space, DEL, NBSP, soft hyphen) map in
// byte order to U+0100, U+0101, ... U+0143, so a space is written 'Ġ'
// (U+0120) and a newline 'Ċ' (U+010A). This is bytes_to_unicode in GPT-2's
// encoder.py.

// byteRunes maps a byte to the rune that writes it.
var byteRunes [256]rune

// runeBytes maps a rune back to its byte; -1 marks runes outside the table.
var runeBytes [0x144]int16

func init() {
	for i := range runeBytes {
		runeBytes[i] = -1
	}
	shifted := rune(0)
	for b := range 256 {
		r := rune(b)
		if !printableLatin1(b) {
			r = 0x100 + shifted
			shifted++
		}
		byteRunes[b] = r
		runeBytes[r] = int16(b)
	}
}

// printableLatin1 reports whether GPT-2 writes byte b as the rune of the
// same value.
func printableLatin1(b int) bool {
	return ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) ||
		(0xAE <= b && b <= 0xFF)
}

// byteLevelString writes raw bytes in GPT-2's byte-level alphabet.
func byteLevelString(raw []byte) string {
	out := make([]rune, len(raw))
	for i, b := range raw {
		out[i] = byteRunes[b]
	}
	return string(out)
}

// byteLevelBytes converts a byte-level string back to raw bytes. It returns
// false when s contains a rune outside the alphabet.
func byteLevelBytes(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0 || int(r) >= len(runeBytes) || runeBytes[r] < 0 {
			return nil, false
		}
		out = append(out, byte(runeBytes[r]))
	}
	return out, true
}
