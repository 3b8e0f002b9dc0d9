package bpe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// hfTokenizer is the part of a Hugging Face tokenizer.json that LoadTokenizerJSON
// reads. Pointers tell a missing field from a zero one.
type hfTokenizer struct {
	AddedTokens []struct {
		ID         *int64  `json:"id"`
		Content    *string `json:"content"`
		SingleWord bool    `json:"single_word"`
		LStrip     bool    `json:"lstrip"`
		RStrip     bool    `json:"rstrip"`
	} `json:"added_tokens"`
	Normalizer   json.RawMessage `json:"normalizer"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Model        *struct {
		Type                    *string           `json:"type"`
		Vocab                   json.RawMessage   `json:"vocab"`
		Merges                  []json.RawMessage `json:"merges"`
		Dropout                 *float64          `json:"dropout"`
		ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
		EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
		ByteFallback            bool              `json:"byte_fallback"`
		IgnoreMerges            bool              `json:"ignore_merges"`
	} `json:"model"`
}

// hfByteLevel is a ByteLevel pre-tokenizer, alone or inside a Sequence.
type hfByteLevel struct {
	Type           string            `json:"type"`
	AddPrefixSpace bool              `json:"add_prefix_space"`
	UseRegex       *bool             `json:"use_regex"`
	PreTokenizers  []json.RawMessage `json:"pretokenizers"`
}

// LoadTokenizerJSON reads a Hugging Face tokenizer.json whose model is BPE
// and whose pre-tokenizer is ByteLevel with GPT-2's pattern, such as the
// one published with GPT-2. Merges may be written "left right" or, as in
// newer files, ["left", "right"]. Every entry of added_tokens becomes a
// special token. Anything else (a WordPiece or Unigram model, a normalizer,
// another pre-tokenizer, dropout, a subword prefix or suffix, byte
// fallback, an added token with single_word, lstrip or rstrip) is rejected
// with an error that names the key.
func LoadTokenizerJSON(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read tokenizer: %w", err)
	}
	var doc hfTokenizer
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not a Hugging Face tokenizer.json: %w", path, err)
	}
	if err := checkHFModel(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkHFPreTokenizer(doc.PreTokenizer); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !isJSONNull(doc.Normalizer) {
		return nil, fmt.Errorf("%s: normalizer is %s; only tokenizers without a "+
			"normalizer can be loaded", path, describeJSON(doc.Normalizer))
	}

	var vocab map[string]int64
	if err := json.Unmarshal(doc.Model.Vocab, &vocab); err != nil {
		return nil, fmt.Errorf("%s: model.vocab: expected an object from token "+
			"to integer id: %w", path, err)
	}

	merges, added, err := readHFMergesAndAdded(&doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t, err := assemble(path, vocab, merges, added)
	if err != nil {
		return nil, err
	}
	t.ignoreMerges = doc.Model.IgnoreMerges
	return t, nil
}

// readHFMergesAndAdded reads model.merges and added_tokens.
func readHFMergesAndAdded(doc *hfTokenizer) ([]mergeLine, []addedToken, error) {
	merges := make([]mergeLine, len(doc.Model.Merges))
	for i, raw := range doc.Model.Merges {
		where := fmt.Sprintf("model.merges[%d]", i)
		left, right, err := parseHFMerge(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		merges[i] = mergeLine{left, right, where}
	}

	added := make([]addedToken, len(doc.AddedTokens))
	for i, a := range doc.AddedTokens {
		if a.ID == nil || a.Content == nil {
			return nil, nil, fmt.Errorf("added_tokens[%d]: \"id\" and \"content\" "+
				"are required", i)
		}
		if a.SingleWord || a.LStrip || a.RStrip {
			return nil, nil, fmt.Errorf("added_tokens[%d] (%q): single_word, lstrip "+
				"and rstrip are not supported; set them to false", i, *a.Content)
		}
		added[i] = addedToken{id: *a.ID, content: *a.Content}
	}
	return merges, added, nil
}

// checkHFModel rejects models other than plain byte-level BPE.
func checkHFModel(doc *hfTokenizer) error {
	m := doc.Model
	switch {
	case m == nil:
		return fmt.Errorf("model is missing")
	case m.Type != nil && *m.Type != "BPE":
		return fmt.Errorf("model.type is %q; only BPE tokenizers can be loaded", *m.Type)
	case isJSONNull(m.Vocab):
		return fmt.Errorf("model.vocab is missing")
	case m.Dropout != nil && *m.Dropout != 0:
		return fmt.Errorf("model.dropout is %g; only BPE without dropout is supported",
			*m.Dropout)
	case m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "":
		return fmt.Errorf("model.continuing_subword_prefix is %q; byte-level BPE "+
			"has none", *m.ContinuingSubwordPrefix)
	case m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "":
		return fmt.Errorf("model.end_of_word_suffix is %q; byte-level BPE has none",
			*m.EndOfWordSuffix)
	case m.ByteFallback:
		return fmt.Errorf("model.byte_fallback is true; byte-level BPE does not " +
			"need it and it is not supported")
	}
	return nil
}

// checkHFPreTokenizer accepts ByteLevel with GPT-2's pattern, alone or as
// the only member of a Sequence.
func checkHFPreTokenizer(raw json.RawMessage) error {
	if isJSONNull(raw) {
		return fmt.Errorf("pre_tokenizer is null; only ByteLevel tokenizers can be loaded")
	}
	var p hfByteLevel
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("pre_tokenizer: %w", err)
	}
	if p.Type == "Sequence" && len(p.PreTokenizers) == 1 {
		if err := checkHFPreTokenizer(p.PreTokenizers[0]); err != nil {
			return fmt.Errorf("pre_tokenizer.pretokenizers[0]: %w", err)
		}
		return nil
	}
	switch {
	case p.Type != "ByteLevel":
		return fmt.Errorf("pre_tokenizer is %s; only ByteLevel tokenizers can be "+
			"loaded", describeJSON(raw))
	case p.AddPrefixSpace:
		return fmt.Errorf("pre_tokenizer.add_prefix_space is true; only false " +
			"is supported, so that decoding returns the original text")
	case p.UseRegex != nil && !*p.UseRegex:
		return fmt.Errorf("pre_tokenizer.use_regex is false; only GPT-2's " +
			"word pattern is supported")
	}
	return nil
}

// parseHFMerge reads a merge written "left right" or ["left", "right"].
func parseHFMerge(raw json.RawMessage) (string, string, error) {
	var line string
	if err := json.Unmarshal(raw, &line); err == nil {
		left, right, ok := splitMerge(line)
		if !ok {
			return "", "", fmt.Errorf("expected two tokens separated by one "+
				"space, got %q", line)
		}
		return left, right, nil
	}
	var pair []string
	if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 ||
		pair[0] == "" || pair[1] == "" {
		return "", "", fmt.Errorf("expected \"left right\" or [\"left\", "+
			"\"right\"], got %s", raw)
	}
	return pair[0], pair[1], nil
}

func isJSONNull(raw json.RawMessage) bool {
	trimmed := bytes.TrimSpace(raw)
	return len(trimmed) == 0 || string(trimmed) == "null"
}

// describeJSON names a JSON component by its "type" for messages.
func describeJSON(raw json.RawMessage) string {
	var typed struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &typed) == nil && typed.Type != "" {
		return fmt.Sprintf("%q", typed.Type)
	}
	return string(raw)
}
