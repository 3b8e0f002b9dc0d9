package gpt2

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// The safetensors format: an 8-byte little-endian header length, a JSON
// header mapping each tensor name to its dtype, shape and byte range in
// the data that follows, then the raw little-endian data. Reading and
// writing it takes a few dozen lines, so this package does it itself
// instead of adding a dependency.

// maxHeaderBytes bounds the JSON header so that a corrupt length field
// cannot make the reader allocate without limit.
const maxHeaderBytes = 100 << 20

// tensor is one entry of a safetensors file, converted to float32.
type tensor struct {
	shape []int
	data  []float32
}

type tensorHeader struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// readSafetensors reads every tensor of a safetensors file, converting
// F32, F16, BF16 and F64 data to float32.
func readSafetensors(path string) (map[string]tensor, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read weights: %w", err)
	}
	if len(raw) < 8 {
		return nil, fmt.Errorf("%s: file of %d bytes is too short for a safetensors header", path, len(raw))
	}
	n := binary.LittleEndian.Uint64(raw[:8])
	if n > maxHeaderBytes || n > uint64(len(raw)-8) {
		return nil, fmt.Errorf("%s: header length %d does not fit the file of %d bytes; is it a safetensors file?",
			path, n, len(raw))
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+n], &entries); err != nil {
		return nil, fmt.Errorf("%s: parse safetensors header: %w", path, err)
	}
	data := raw[8+n:]

	out := make(map[string]tensor, len(entries))
	for name, msg := range entries {
		if name == "__metadata__" {
			continue
		}
		var h tensorHeader
		if err := json.Unmarshal(msg, &h); err != nil {
			return nil, fmt.Errorf("%s: header entry %q: %w", path, name, err)
		}
		t, err := decodeTensor(h, data)
		if err != nil {
			return nil, fmt.Errorf("%s: tensor %q: %w", path, name, err)
		}
		out[name] = t
	}
	return out, nil
}

// decodeTensor checks one header entry against the data section and
// converts its bytes to float32.
func decodeTensor(h tensorHeader, data []byte) (tensor, error) {
	size := map[string]int{"F32": 4, "F16": 2, "BF16": 2, "F64": 8}[h.DType]
	if size == 0 {
		return tensor{}, fmt.Errorf("dtype %s is not supported: use F32, F16, BF16 or F64", h.DType)
	}
	count := 1
	for _, d := range h.Shape {
		if d < 0 {
			return tensor{}, fmt.Errorf("negative dimension in shape %v", h.Shape)
		}
		count *= d
	}
	start, end := h.Offsets[0], h.Offsets[1]
	if start < 0 || end < start || end > int64(len(data)) {
		return tensor{}, fmt.Errorf("data_offsets %v fall outside the %d data bytes", h.Offsets, len(data))
	}
	if end-start != int64(count*size) {
		return tensor{}, fmt.Errorf("shape %v of %s needs %d bytes, data_offsets give %d",
			h.Shape, h.DType, count*size, end-start)
	}
	b := data[start:end]
	v := make([]float32, count)
	for i := range v {
		switch h.DType {
		case "F32":
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		case "F64":
			v[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		case "BF16":
			v[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		case "F16":
			v[i] = halfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
		}
	}
	return tensor{shape: h.Shape, data: v}, nil
}

// halfToFloat converts an IEEE 754 binary16 value to float32.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: value = frac·2⁻²⁴
		f := float32(frac) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

// ReadTensorData reads every tensor of a safetensors file as flat float32
// data by name, converting the dtypes that readSafetensors accepts.
func ReadTensorData(path string) (map[string][]float32, error) {
	tensors, err := readSafetensors(path)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]float32, len(tensors))
	for name, t := range tensors {
		out[name] = t.data
	}
	return out, nil
}

// WriteTensorData writes flat float32 tensors to a safetensors file at
// path, each as a one-dimensional F32 tensor, replacing the file
// atomically.
func WriteTensorData(path string, tensors map[string][]float32) error {
	params := make([]*Param, 0, len(tensors))
	for name, data := range tensors {
		params = append(params, &Param{Name: name, Shape: []int{len(data)}, Data: data})
	}
	return writeSafetensors(path, params)
}

// writeSafetensors writes params as F32 tensors under their names, in name
// order, with the header padded to a multiple of 8 bytes.
func writeSafetensors(path string, params []*Param) error {
	sorted := append([]*Param(nil), params...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })

	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var offset int64
	for _, p := range sorted {
		n := int64(4 * len(p.Data))
		header[p.Name] = tensorHeader{DType: "F32", Shape: p.Shape, Offsets: [2]int64{offset, offset + n}}
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
	word := make([]byte, 4)
	for _, p := range sorted {
		for _, v := range p.Data {
			binary.LittleEndian.PutUint32(word, math.Float32bits(v))
			buf.Write(word)
		}
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// WriteFileAtomic writes data to a temporary file beside path and renames
// it into place, so that an interrupted save leaves the old file intact.
// The trainer saves its checkpoint files with it too.
func WriteFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
