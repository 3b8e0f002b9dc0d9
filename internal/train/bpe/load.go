package bpe

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Load reads a tokenizer from path, which is either a directory or a file.
// In a directory it reads tokenizer.json when present, else vocab.json and
// merges.txt. A file named vocab.json is read with the merges.txt beside
// it; any other file is read as a tokenizer.json.
func Load(path string) (*Tokenizer, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer: %w", err)
	}
	if !info.IsDir() {
		if filepath.Base(path) == "vocab.json" {
			return LoadGPT2(path, filepath.Join(filepath.Dir(path), "merges.txt"))
		}
		return LoadTokenizerJSON(path)
	}

	tokenizerJSON := filepath.Join(path, "tokenizer.json")
	if fileExists(tokenizerJSON) {
		return LoadTokenizerJSON(tokenizerJSON)
	}
	vocab := filepath.Join(path, "vocab.json")
	merges := filepath.Join(path, "merges.txt")
	if fileExists(vocab) && fileExists(merges) {
		return LoadGPT2(vocab, merges)
	}
	return nil, fmt.Errorf("load tokenizer: %s has neither tokenizer.json nor "+
		"vocab.json with merges.txt", path)
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}

// LoadGPT2 reads GPT-2's vocab.json (byte-level token → id) and merges.txt
// (one "left right" pair per line in rank order, after an optional
// "#version" line).
//
// vocab.json does not mark special tokens, so LoadGPT2 takes as special the
// tokens that no merge produces and that are longer than one byte, when
// they are <|endoftext|> or are named in a special_tokens_map.json beside
// vocab.json. Other such tokens decode but Encode never produces them.
func LoadGPT2(vocabPath, mergesPath string) (*Tokenizer, error) {
	vocab, err := readVocabJSON(vocabPath)
	if err != nil {
		return nil, err
	}
	merges, err := readMergesTXT(mergesPath)
	if err != nil {
		return nil, err
	}

	named, err := readSpecialTokensMap(filepath.Join(filepath.Dir(vocabPath),
		"special_tokens_map.json"))
	if err != nil {
		return nil, err
	}
	named = append(named, "<|endoftext|>")
	produced := make(map[string]bool, len(merges))
	for _, m := range merges {
		produced[m.left+m.right] = true
	}
	var added []addedToken
	for _, text := range named {
		id, ok := vocab[text]
		if ok && !produced[text] && len(text) > 1 && !hasAdded(added, text) {
			added = append(added, addedToken{id: id, content: text})
		}
	}
	return assemble(vocabPath, vocab, merges, added)
}

func hasAdded(added []addedToken, text string) bool {
	for _, a := range added {
		if a.content == text {
			return true
		}
	}
	return false
}

func readVocabJSON(path string) (map[string]int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read vocabulary: %w", err)
	}
	var vocab map[string]int64
	if err := json.Unmarshal(data, &vocab); err != nil {
		return nil, fmt.Errorf("%s: expected a JSON object from token to integer "+
			"id: %w", path, err)
	}
	return vocab, nil
}

// readMergesTXT reads merges.txt. Blank lines are skipped, and so is a
// first line that starts with "#version".
func readMergesTXT(path string) ([]mergeLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read merges: %w", err)
	}
	defer f.Close()

	var merges []mergeLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" || (n == 1 && strings.HasPrefix(line, "#version")) {
			continue
		}
		left, right, ok := splitMerge(line)
		if !ok {
			return nil, fmt.Errorf("%s: line %d: expected two tokens separated by "+
				"one space, got %q", path, n, line)
		}
		merges = append(merges, mergeLine{left, right, fmt.Sprintf("line %d", n)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return merges, nil
}

// splitMerge splits "left right". Byte-level tokens never contain a space
// (it is written 'Ġ'), so the line must contain exactly one.
func splitMerge(line string) (string, string, bool) {
	left, right, ok := strings.Cut(line, " ")
	if !ok || left == "" || right == "" || strings.Contains(right, " ") {
		return "", "", false
	}
	return left, right, true
}

// readSpecialTokensMap returns the token texts named in a Hugging Face
// special_tokens_map.json, or nothing when the file does not exist. Values
// are strings, {"content": ...} objects, or lists of either.
func readSpecialTokensMap(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read special tokens: %w", err)
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("%s: expected a JSON object: %w", path, err)
	}
	var texts []string
	for key, raw := range entries {
		var list []json.RawMessage
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
			if err := json.Unmarshal(raw, &list); err != nil {
				return nil, fmt.Errorf("%s: key %q: %w", path, key, err)
			}
		} else {
			list = []json.RawMessage{raw}
		}
		for _, item := range list {
			text, err := tokenContent(item)
			if err != nil {
				return nil, fmt.Errorf("%s: key %q: %w", path, key, err)
			}
			texts = append(texts, text)
		}
	}
	return texts, nil
}

// tokenContent reads a token written as a string or as {"content": ...}.
func tokenContent(raw json.RawMessage) (string, error) {
	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		return text, nil
	}
	var obj struct {
		Content *string `json:"content"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj.Content == nil {
		return "", fmt.Errorf("expected a string or an object with \"content\", got %s", raw)
	}
	return *obj.Content, nil
}
