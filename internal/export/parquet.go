package export

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/parquet-go/parquet-go"
)

// Parquet row groups end after this many rows or this many bytes of
// text and numbers, whichever comes first, so that the writer holds at
// most one row group of compressed pages in memory. Tests lower them.
var (
	parquetGroupRows  = 50_000
	parquetGroupBytes = 16 << 20
)

// parquetConverter is a field type whose Parquet value differs from its
// JSON value: ParquetValue returns the value to encode instead.
type parquetConverter interface {
	ParquetValue() any
}

// Parquet leaf kinds of a pqNode.
const (
	pqGroup = iota
	pqList
	pqOptional
	pqString
	pqUUID
	pqDouble
	pqBool
	pqInt
	pqTime
)

// pqNode is one node of a Parquet schema derived from a Go row type
// through its json tags. Groups list their fields sorted by name,
// because parquet.Group orders its columns that way.
type pqNode struct {
	name    string
	index   int // struct field index in the parent group
	kind    int
	convert bool // the Go value is a parquetConverter
	elem    *pqNode
	fields  []*pqNode
	column  int // leaf column index
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	uuidType      = reflect.TypeFor[uuid.UUID]()
	converterType = reflect.TypeFor[parquetConverter]()
)

// parquetSchemaOf derives the Parquet schema of the rows that look like
// prototype: every json-tagged field becomes a column named by its tag.
// A pointer field becomes optional, except that an omitempty pointer that
// is nil in prototype is left out, so that an export without metadata has
// no metadata column.
func parquetSchemaOf(prototype any) (*pqNode, *parquet.Schema, error) {
	v := reflect.ValueOf(prototype)
	root, err := pqGroupOf(v.Type(), v)
	if err != nil {
		return nil, nil, err
	}
	column := 0
	root.number(&column)
	return root, parquet.NewSchema("schema", root.parquetNode()), nil
}

func pqGroupOf(t reflect.Type, v reflect.Value) (*pqNode, error) {
	n := &pqNode{kind: pqGroup}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		var fv reflect.Value
		if v.IsValid() {
			fv = v.Field(i)
		}
		if f.Type.Kind() == reflect.Pointer && strings.Contains(opts, "omitempty") &&
			(!fv.IsValid() || fv.IsNil()) {
			continue
		}
		child, err := pqNodeOf(f.Type, fv)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", name, err)
		}
		child.name, child.index = name, i
		n.fields = append(n.fields, child)
	}
	slices.SortFunc(n.fields, func(a, b *pqNode) int { return strings.Compare(a.name, b.name) })
	return n, nil
}

func pqNodeOf(t reflect.Type, v reflect.Value) (*pqNode, error) {
	if t.Implements(converterType) {
		n, err := pqNodeOf(reflect.TypeOf(reflect.Zero(t).Interface().(parquetConverter).ParquetValue()),
			reflect.Value{})
		if err == nil {
			n.convert = true
		}
		return n, err
	}
	switch {
	case t == timeType:
		return &pqNode{kind: pqTime}, nil
	case t == uuidType:
		return &pqNode{kind: pqUUID}, nil
	}
	switch t.Kind() {
	case reflect.String:
		return &pqNode{kind: pqString}, nil
	case reflect.Float64:
		return &pqNode{kind: pqDouble}, nil
	case reflect.Bool:
		return &pqNode{kind: pqBool}, nil
	case reflect.Int, reflect.Int64:
		return &pqNode{kind: pqInt}, nil
	case reflect.Pointer:
		var elem reflect.Value
		if v.IsValid() && !v.IsNil() {
			elem = v.Elem()
		}
		inner, err := pqNodeOf(t.Elem(), elem)
		return &pqNode{kind: pqOptional, elem: inner}, err
	case reflect.Slice:
		inner, err := pqNodeOf(t.Elem(), reflect.Value{})
		return &pqNode{kind: pqList, elem: inner}, err
	case reflect.Struct:
		return pqGroupOf(t, v)
	}
	return nil, fmt.Errorf("type %s has no Parquet column type", t)
}

// number gives each leaf its column index, in the order parquet-go
// numbers them: depth first, fields by name.
func (n *pqNode) number(next *int) {
	switch n.kind {
	case pqGroup:
		for _, f := range n.fields {
			f.number(next)
		}
	case pqList, pqOptional:
		n.elem.number(next)
	default:
		n.column = *next
		*next++
	}
}

func (n *pqNode) parquetNode() parquet.Node {
	switch n.kind {
	case pqGroup:
		g := parquet.Group{}
		for _, f := range n.fields {
			g[f.name] = f.parquetNode()
		}
		return g
	case pqList:
		return parquet.List(n.elem.parquetNode())
	case pqOptional:
		return parquet.Optional(n.elem.parquetNode())
	case pqDouble:
		return parquet.Leaf(parquet.DoubleType)
	case pqBool:
		return parquet.Leaf(parquet.BooleanType)
	case pqInt:
		return parquet.Int(64)
	case pqTime:
		return parquet.Timestamp(parquet.Microsecond)
	}
	return parquet.String()
}

// pqEncoder turns Go rows into parquet rows by record shredding: each
// leaf value gets the repetition level of the list it repeats in and the
// definition level of how many of its optional and repeated ancestors
// are present.
type pqEncoder struct {
	root    *pqNode
	columns [][]parquet.Value
	row     parquet.Row
	bytes   int // text and number bytes encoded since the last reset
}

// encode returns the parquet row of v, valid until the next call.
func (e *pqEncoder) encode(v reflect.Value) parquet.Row {
	for i := range e.columns {
		e.columns[i] = e.columns[i][:0]
	}
	e.put(e.root, v, 0, 0, 0)
	e.row = e.row[:0]
	for _, c := range e.columns {
		e.row = append(e.row, c...)
	}
	return e.row
}

func (e *pqEncoder) put(n *pqNode, v reflect.Value, rep, def, depth int) {
	if n.convert {
		v = reflect.ValueOf(v.Interface().(parquetConverter).ParquetValue())
	}
	switch n.kind {
	case pqGroup:
		for _, f := range n.fields {
			e.put(f, v.Field(f.index), rep, def, depth)
		}
	case pqOptional:
		if v.IsNil() {
			e.putNulls(n.elem, rep, def)
			return
		}
		e.put(n.elem, v.Elem(), rep, def+1, depth)
	case pqList:
		if v.Len() == 0 {
			e.putNulls(n.elem, rep, def)
			return
		}
		for i := range v.Len() {
			if i > 0 {
				rep = depth + 1
			}
			e.put(n.elem, v.Index(i), rep, def+1, depth+1)
		}
	default:
		e.columns[n.column] = append(e.columns[n.column], e.leaf(n, v).Level(rep, def, n.column))
	}
}

// putNulls writes a null for every leaf under n, for an absent optional
// value or an empty list.
func (e *pqEncoder) putNulls(n *pqNode, rep, def int) {
	switch n.kind {
	case pqGroup:
		for _, f := range n.fields {
			e.putNulls(f, rep, def)
		}
	case pqList, pqOptional:
		e.putNulls(n.elem, rep, def)
	default:
		e.columns[n.column] = append(e.columns[n.column], parquet.NullValue().Level(rep, def, n.column))
	}
}

func (e *pqEncoder) leaf(n *pqNode, v reflect.Value) parquet.Value {
	switch n.kind {
	case pqDouble:
		e.bytes += 8
		return parquet.DoubleValue(v.Float())
	case pqBool:
		e.bytes++
		return parquet.BooleanValue(v.Bool())
	case pqInt:
		e.bytes += 8
		return parquet.Int64Value(v.Int())
	case pqTime:
		e.bytes += 8
		return parquet.Int64Value(v.Interface().(time.Time).UnixMicro())
	case pqUUID:
		e.bytes += 36
		return parquet.ByteArrayValue([]byte(v.Interface().(uuid.UUID).String()))
	}
	e.bytes += v.Len()
	return parquet.ByteArrayValue([]byte(v.String()))
}

// parquetRowWriter writes rows of one Go type as a Parquet file, with
// zstd-compressed columns and a row group per parquetGroupRows rows or
// parquetGroupBytes bytes.
type parquetRowWriter struct {
	w     *parquet.Writer
	typ   reflect.Type
	enc   pqEncoder
	rows  int // rows in the current row group
	batch []parquet.Row
}

// newParquetRowWriter returns a writer for rows of prototype's type and
// shape (see parquetSchemaOf). The file's created_by names no version,
// so the same rows give the same bytes whatever build wrote them.
func newParquetRowWriter(w io.Writer, prototype any) (*parquetRowWriter, error) {
	root, schema, err := parquetSchemaOf(prototype)
	if err != nil {
		return nil, fmt.Errorf("parquet schema: %w", err)
	}
	pw := parquet.NewWriter(w, schema,
		parquet.Compression(&parquet.Zstd),
		parquet.CreatedBy("pairwise", "unversioned ", "none"))
	return &parquetRowWriter{
		w:     pw,
		typ:   reflect.TypeOf(prototype),
		enc:   pqEncoder{root: root, columns: make([][]parquet.Value, len(schema.Columns()))},
		batch: make([]parquet.Row, 1),
	}, nil
}

// Write adds one row, which must have the prototype's type.
func (p *parquetRowWriter) Write(row any) error {
	v := reflect.ValueOf(row)
	if v.Type() != p.typ {
		return fmt.Errorf("parquet row of type %s in a file of %s rows", v.Type(), p.typ)
	}
	p.batch[0] = p.enc.encode(v)
	if _, err := p.w.WriteRows(p.batch); err != nil {
		return fmt.Errorf("write parquet row: %w", err)
	}
	p.rows++
	if p.rows >= parquetGroupRows || p.enc.bytes >= parquetGroupBytes {
		p.rows, p.enc.bytes = 0, 0
		if err := p.w.Flush(); err != nil {
			return fmt.Errorf("flush parquet row group: %w", err)
		}
	}
	return nil
}

// Close writes the last row group and the footer. It does not close the
// underlying writer.
func (p *parquetRowWriter) Close() error {
	return p.w.Close()
}
