package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// wideSniffBytes is how many bytes at the start of the input are looked at
// for the NUL pattern of UTF-16 text without a byte-order mark.
const wideSniffBytes = 512

// encodingError is an input whose encoding is not UTF-8 and is detected
// from its first bytes: UTF-16 or UTF-32, with or without a byte-order mark.
type encodingError struct {
	encoding string // as iconv names it, such as UTF-16LE
	evidence string // the byte-order mark or byte pattern that identified it
}

func (e *encodingError) Error() string {
	return fmt.Sprintf("the input is %s, not UTF-8", e.encoding)
}

// lineError returns the malformed-file error for e, without a line number.
func (e *encodingError) lineError() *LineError {
	return fieldError("", "the file is encoded as %s (%s), not UTF-8; "+
		"re-save it as UTF-8, for example with "+
		"iconv -f %s -t UTF-8 FILE > FILE.utf8, or choose UTF-8 "+
		"in the editor's or spreadsheet's save dialog",
		e.encoding, e.evidence, e.encoding)
}

// checkWideEncoding peeks at the start of in and returns an
// *encodingError when the text is UTF-32 or UTF-16: a byte-order mark of
// either, or NUL in every other byte, which is how UTF-16 stores ASCII.
// A UTF-8 byte-order mark has already been removed.
func checkWideEncoding(in *bufio.Reader) error {
	head, err := in.Peek(wideSniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return fmt.Errorf("read input: %w", err)
	}
	for _, bom := range wideBOMs {
		if bytes.HasPrefix(head, bom.mark) {
			return &encodingError{encoding: bom.encoding,
				evidence: fmt.Sprintf("it starts with the byte-order mark % X", bom.mark)}
		}
	}
	if enc := nulPattern(head); enc != "" {
		return &encodingError{encoding: enc,
			evidence: "every other byte of its start is NUL"}
	}
	return nil
}

// wideBOMs lists the byte-order marks of UTF-32 and UTF-16. UTF-32 comes
// first because its little-endian mark starts with UTF-16's.
var wideBOMs = []struct {
	mark     []byte
	encoding string
}{
	{[]byte{0xff, 0xfe, 0x00, 0x00}, "UTF-32LE"},
	{[]byte{0x00, 0x00, 0xfe, 0xff}, "UTF-32BE"},
	{[]byte{0xff, 0xfe}, "UTF-16LE"},
	{[]byte{0xfe, 0xff}, "UTF-16BE"},
}

// nulPattern returns UTF-16LE when most odd bytes of head are NUL and few
// even ones are, UTF-16BE for the mirror image, and "" otherwise. ASCII
// text in UTF-16 has this pattern, and UTF-8 text rarely contains NUL.
func nulPattern(head []byte) string {
	pairs := len(head) / 2
	if pairs < 2 {
		return ""
	}
	var evenNUL, oddNUL int
	for i := 0; i+1 < len(head); i += 2 {
		if head[i] == 0 {
			evenNUL++
		}
		if head[i+1] == 0 {
			oddNUL++
		}
	}
	switch {
	case oddNUL*4 >= pairs*3 && evenNUL*4 < pairs:
		return "UTF-16LE"
	case evenNUL*4 >= pairs*3 && oddNUL*4 < pairs:
		return "UTF-16BE"
	}
	return ""
}

// invalidUTF8Reason describes the first invalid UTF-8 sequence in b, which
// must contain one, and names the encoding that b is likely in. unit names
// what b is, such as "record" or "line", for the byte offset.
func invalidUTF8Reason(b []byte, unit string) string {
	at := invalidUTF8Offset(b)
	reason := fmt.Sprintf("invalid UTF-8 at byte %d of the %s (byte 0x%02X", at, unit, b[at])
	if r, ok := windows1252Rune(b[at]); ok {
		reason += fmt.Sprintf(", which is %q in Windows-1252", r)
	}
	return reason + "); " + guessEncoding(b)
}

// guessEncoding returns advice on the encoding of b, which is not valid
// UTF-8. Text in Windows-1252 or Latin-1 has mostly single bytes of 0x80
// and up between ASCII ones. Multi-byte legacy encodings such as Shift_JIS
// or GBK have runs of them, and bytes that Windows-1252 leaves undefined.
func guessEncoding(b []byte) string {
	var invalid, inRuns int
	c1 := false // a byte in 0x80-0x9F, a control character in Latin-1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size != 1 {
			i += size
			continue
		}
		if _, ok := windows1252Rune(b[i]); !ok {
			return unknownEncodingAdvice
		}
		invalid++
		c1 = c1 || b[i] < 0xa0
		if (i > 0 && b[i-1] >= 0x80) || (i+1 < len(b) && b[i+1] >= 0x80) {
			inRuns++
		}
		i++
	}
	if inRuns*2 > invalid {
		return unknownEncodingAdvice
	}
	name := "Windows-1252 or Latin-1 (ISO-8859-1)"
	if c1 {
		name = "Windows-1252"
	}
	return "the file looks like " + name + ", not UTF-8; re-save it as UTF-8, " +
		"for example with iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8, " +
		"or choose UTF-8 in the editor's or spreadsheet's save dialog"
}

// unknownEncodingAdvice is the advice for text whose encoding could not be
// detected.
const unknownEncodingAdvice = "the file is not UTF-8 and its encoding " +
	"could not be detected (a multi-byte encoding such as Shift_JIS, GBK or " +
	"EUC-KR is possible); re-save it as UTF-8, for example with " +
	"iconv -f ENCODING -t UTF-8 FILE > FILE.utf8"

// windows1252Rune returns the character that b stands for in
// Windows-1252, and false for the five bytes it leaves undefined (0x81,
// 0x8D, 0x8F, 0x90 and 0x9D). From 0xA0 up, Windows-1252 and Latin-1 both
// equal Unicode. b must be 0x80 or more.
func windows1252Rune(b byte) (rune, bool) {
	if b >= 0xa0 {
		return rune(b), true
	}
	r, ok := windows1252C1[b]
	return r, ok
}

// windows1252C1 maps the bytes 0x80-0x9F that Windows-1252 defines to
// their characters.
var windows1252C1 = map[byte]rune{
	0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†',
	0x87: '‡', 0x88: 'ˆ', 0x89: '‰', 0x8a: 'Š', 0x8b: '‹', 0x8c: 'Œ',
	0x8e: 'Ž', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•',
	0x96: '–', 0x97: '—', 0x98: '˜', 0x99: '™', 0x9a: 'š', 0x9b: '›',
	0x9c: 'œ', 0x9e: 'ž', 0x9f: 'Ÿ',
}
