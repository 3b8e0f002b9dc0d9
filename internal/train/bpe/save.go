package bpe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Save writes the tokenizer to dir, creating it if needed, in the formats
// Hugging Face reads: vocab.json and merges.txt as GPT-2 publishes them,
// tokenizer.json, special_tokens_map.json listing the special tokens, and
// tokenizer_config.json naming GPT2Tokenizer. Load reads the directory
// back into an identical tokenizer.
//
// NOTE: the files were checked by encoding and decoding with Tokenizers.js
// 0.2.0, Hugging Face's JavaScript port, which gave the same ids and text.
// Python transformers has not been run on them.
func (t *Tokenizer) Save(dir string) error {
	keys, err := t.vocabKeys()
	if err != nil {
		return fmt.Errorf("save tokenizer: %w", err)
	}
	vocab, err := t.vocabObject(keys)
	if err != nil {
		return fmt.Errorf("save tokenizer: %w", err)
	}
	merges := make([]string, len(t.mergeList))
	var mergesTXT strings.Builder
	mergesTXT.WriteString("#version: 0.2\n")
	for i, m := range t.mergeList {
		merges[i] = keys[m[0]] + " " + keys[m[1]]
		mergesTXT.WriteString(merges[i] + "\n")
	}

	files := map[string][]byte{
		"vocab.json": append(vocab, '\n'),
		"merges.txt": []byte(mergesTXT.String()),
	}
	if files["tokenizer.json"], err = t.tokenizerJSON(vocab, merges); err != nil {
		return fmt.Errorf("save tokenizer: %w", err)
	}
	if files["special_tokens_map.json"], err = t.specialTokensMap(); err != nil {
		return fmt.Errorf("save tokenizer: %w", err)
	}
	if files["tokenizer_config.json"], err = t.tokenizerConfig(); err != nil {
		return fmt.Errorf("save tokenizer: %w", err)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save tokenizer: %w", err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("save tokenizer: %w", err)
		}
	}
	return nil
}

// vocabKeys returns each token as vocab.json writes it: byte-level text,
// or a special token's own text.
func (t *Tokenizer) vocabKeys() ([]string, error) {
	keys := make([]string, len(t.tokens))
	for id, tok := range t.tokens {
		keys[id] = byteLevelString(tok)
	}
	for _, sp := range t.specials {
		keys[sp.id] = sp.text
	}

	owner := make(map[string]int, len(keys))
	for id, key := range keys {
		if other, dup := owner[key]; dup {
			return nil, fmt.Errorf("tokens %d and %d are both written %q, so "+
				"vocab.json cannot tell them apart", other, id, key)
		}
		owner[key] = id
	}
	return keys, nil
}

// vocabObject writes the JSON object from token to id, in id order.
func (t *Tokenizer) vocabObject(keys []string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for id, key := range keys {
		if id > 0 {
			buf.WriteByte(',')
		}
		quoted, err := marshalJSON(key)
		if err != nil {
			return nil, err
		}
		buf.Write(quoted)
		fmt.Fprintf(&buf, ":%d", id)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// byteLevelComponent is the ByteLevel pre-tokenizer, post-processor and
// decoder entry of tokenizer.json.
type byteLevelComponent struct {
	Type           string `json:"type"`
	AddPrefixSpace bool   `json:"add_prefix_space"`
	TrimOffsets    bool   `json:"trim_offsets"`
	UseRegex       bool   `json:"use_regex"`
}

type hfAddedToken struct {
	ID         int32  `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

type hfBPEModel struct {
	Type                    string          `json:"type"`
	Dropout                 *float64        `json:"dropout"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix string          `json:"continuing_subword_prefix"`
	EndOfWordSuffix         string          `json:"end_of_word_suffix"`
	FuseUnk                 bool            `json:"fuse_unk"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
	Vocab                   json.RawMessage `json:"vocab"`
	Merges                  []string        `json:"merges"`
}

// tokenizerJSON writes tokenizer.json with the layout of GPT-2's.
func (t *Tokenizer) tokenizerJSON(vocab []byte, merges []string) ([]byte, error) {
	added := make([]hfAddedToken, len(t.specials))
	for i, sp := range t.specials {
		added[i] = hfAddedToken{ID: sp.id, Content: sp.text, Special: true}
	}
	doc := struct {
		Version       string             `json:"version"`
		Truncation    *struct{}          `json:"truncation"`
		Padding       *struct{}          `json:"padding"`
		AddedTokens   []hfAddedToken     `json:"added_tokens"`
		Normalizer    *struct{}          `json:"normalizer"`
		PreTokenizer  byteLevelComponent `json:"pre_tokenizer"`
		PostProcessor byteLevelComponent `json:"post_processor"`
		Decoder       byteLevelComponent `json:"decoder"`
		Model         hfBPEModel         `json:"model"`
	}{
		Version:       "1.0",
		AddedTokens:   added,
		PreTokenizer:  byteLevelComponent{"ByteLevel", false, true, true},
		PostProcessor: byteLevelComponent{"ByteLevel", true, false, true},
		Decoder:       byteLevelComponent{"ByteLevel", true, true, true},
		Model: hfBPEModel{
			Type:         "BPE",
			IgnoreMerges: t.ignoreMerges,
			Vocab:        vocab,
			Merges:       merges,
		},
	}
	return marshalJSON(doc)
}

// specialTokensMap lists the special tokens. When <|endoftext|> is one of
// them, it is also named the beginning, end and unknown token, the roles it
// has in GPT-2.
func (t *Tokenizer) specialTokensMap() ([]byte, error) {
	m := map[string]any{"additional_special_tokens": t.Specials()}
	if _, ok := t.ID("<|endoftext|>"); ok {
		for _, key := range []string{"bos_token", "eos_token", "unk_token"} {
			m[key] = "<|endoftext|>"
		}
	}
	return marshalJSON(m)
}

// tokenizerConfig names the Hugging Face class that reads this directory.
func (t *Tokenizer) tokenizerConfig() ([]byte, error) {
	return marshalJSON(map[string]any{
		"tokenizer_class":  "GPT2Tokenizer",
		"add_prefix_space": false,
		// Without this, Hugging Face's decode removes the space before
		// punctuation and the text no longer round-trips.
		"clean_up_tokenization_spaces": false,
	})
}

// marshalJSON encodes v indented, without escaping <, > and &, so that
// special tokens such as <|endoftext|> stay readable.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if _, isString := v.(string); !isString {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
