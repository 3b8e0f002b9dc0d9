package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
)

// tensorEntry is one tensor in a safetensors header.
type tensorEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// writeFloats saves flat float32 tensors to a safetensors file at path:
// an 8-byte little-endian header size, a JSON header padded with spaces to
// a multiple of 8 bytes, then the data.
func writeFloats(path string, tensors map[string][]float32) error {
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		names = append(names, name)
	}
	slices.Sort(names)

	header := map[string]any{}
	var offset int64
	for _, name := range names {
		n := int64(len(tensors[name])) * 4
		header[name] = tensorEntry{DType: "F32", Shape: []int{len(tensors[name])},
			Offsets: [2]int64{offset, offset + n}}
		offset += n
	}
	head, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("encode safetensors header: %w", err)
	}
	for len(head)%8 != 0 {
		head = append(head, ' ')
	}

	var buf bytes.Buffer
	buf.Grow(8 + len(head) + int(offset))
	binary.Write(&buf, binary.LittleEndian, uint64(len(head)))
	buf.Write(head)
	for _, name := range names {
		for _, v := range tensors[name] {
			binary.Write(&buf, binary.LittleEndian, math.Float32bits(v))
		}
	}
	return writeFileAtomic(path, buf.Bytes())
}

// readFloats loads every F32 tensor of a safetensors file, flattened.
func readFloats(path string) (map[string][]float32, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 8 {
		return nil, fmt.Errorf("%s: too short for a safetensors file", path)
	}
	size := binary.LittleEndian.Uint64(data)
	if size > uint64(len(data)-8) {
		return nil, fmt.Errorf("%s: header size %d exceeds the file", path, size)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+size], &header); err != nil {
		return nil, fmt.Errorf("%s: decode header: %w", path, err)
	}
	body := data[8+size:]
	out := make(map[string][]float32, len(header))
	for name, raw := range header {
		if name == "__metadata__" {
			continue
		}
		var e tensorEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("%s: tensor %q: %w", path, name, err)
		}
		lo, hi := e.Offsets[0], e.Offsets[1]
		if e.DType != "F32" || lo < 0 || hi < lo || hi > int64(len(body)) || (hi-lo)%4 != 0 {
			return nil, fmt.Errorf("%s: tensor %q: want F32 data inside the file", path, name)
		}
		vals := make([]float32, (hi-lo)/4)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[lo+int64(4*i):]))
		}
		out[name] = vals
	}
	return out, nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it, so that an interrupted run never leaves a half-written file.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
