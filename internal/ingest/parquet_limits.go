package ingest

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// parquetPageFactor is how many times Options.MaxLineBytes the pages
// that one row is read from may take together. A page holds many rows,
// so it may be larger than one row, but a page is decoded in full before
// any of its values is read.
const parquetPageFactor = 4

// parquetValueOverhead is the most bytes that a page spends on one value
// besides the value itself: the 4-byte length of a plain-encoded byte
// array and its repetition and definition levels.
const parquetValueOverhead = 8

// pageHeaderBufferSize is the first buffer size for one page header,
// which is usually a few dozen bytes but may carry statistics.
const pageHeaderBufferSize = 4 << 10

// maxFooter returns the largest Parquet footer that a file may have. The
// footer holds the statistics of every column chunk, which may repeat
// its minimum and maximum values, so it grows with the row groups and the
// longest values.
func maxFooter(maxRow int) int64 {
	return parquetPageFactor*int64(maxRow) + 1<<20
}

// checkParquetFooter returns a LineError when the footer of the Parquet
// file in at, of size bytes, is over maxFooter(maxRow) bytes, because the
// reader decodes the whole footer when it opens the file. A file too
// short to have a footer passes, and opening it reports the error.
func checkParquetFooter(at io.ReaderAt, size int64, maxRow int) error {
	const trailer = 8 // the footer length, then the magic bytes
	if size < trailer+int64(len(parquetMagic)) {
		return nil
	}
	var b [trailer]byte
	if _, err := at.ReadAt(b[:], size-trailer); err != nil {
		return fieldError("", "read the Parquet footer: %v", err)
	}
	footer := int64(binary.LittleEndian.Uint32(b[:4]))
	if limit := maxFooter(maxRow); footer > limit {
		return fieldError("", "the Parquet footer is %d bytes, over the limit of %d bytes "+
			"(%d times the row limit of %d bytes, plus 1 MiB), so its column statistics "+
			"may hold a value over the row limit; %s",
			footer, limit, parquetPageFactor, maxRow, raiseLimitHint)
	}
	return nil
}

// checkParquetSizes checks the sizes that the page headers of file
// declare against maxRow, the row limit in bytes, before any row is
// decoded. A page is rejected whose values average more than maxRow
// bytes, because one of its values alone would then be over the row
// limit, and so is a page header over maxPageHeader(maxRow) bytes. A row
// group is rejected when the largest pages of its columns add up to more
// than parquetPageFactor times maxRow, because a row is read from one
// page of every column at once. It returns the errors found, one per
// column chunk or row group.
//
// The column chunk sizes of the footer are not used, because they count
// the page headers, whose statistics may repeat the largest value.
//
// NOTE: the check trusts the sizes that the headers declare. A page
// whose compressed data expands past its declared size is only caught
// by the row limit, after it has been decoded. A value over the row
// limit that shares its page with smaller values passes the average
// check, so it is decoded (within the page limit) before the row limit
// rejects it.
func checkParquetSizes(file *parquet.File, at io.ReaderAt, maxRow int) []LineError {
	var problems []LineError
	firstRow := int64(1)
	for i, group := range file.Metadata().RowGroups {
		problems = append(problems, checkRowGroup(at, i, firstRow, group, maxRow)...)
		firstRow += group.NumRows
	}
	return problems
}

// checkRowGroup checks the column chunks of row group index, whose first
// row is firstRow, counted from 1.
func checkRowGroup(at io.ReaderAt, index int, firstRow int64, group format.RowGroup,
	maxRow int) []LineError {
	var problems []LineError
	reject := func(column, format string, args ...any) {
		problems = append(problems, LineError{Line: int(firstRow), Unit: UnitRow, Field: column,
			Reason: fmt.Sprintf(format, args...) + "; " + raiseLimitHint})
	}

	var pagesAtOnce int64
	for _, chunk := range group.Columns {
		meta := chunk.MetaData
		column := strings.Join(meta.PathInSchema, ".")
		largest, err := checkPages(at, meta, maxRow)
		var tooLarge *pageError
		switch {
		case errors.As(err, &tooLarge) && tooLarge.header:
			reject(column, "the header of page %d of row group %d is over %d bytes, %d times "+
				"the row limit of %d bytes, so its statistics hold a value over the row limit",
				tooLarge.page, index, maxPageHeader(maxRow), parquetPageFactor, maxRow)
			continue
		case errors.As(err, &tooLarge):
			reject(column, "page %d of row group %d holds %d bytes for %d values, "+
				"so a value is over the row limit of %d bytes", tooLarge.page, index,
				tooLarge.size, tooLarge.values, maxRow)
			continue
		case err != nil:
			problems = append(problems, LineError{Line: int(firstRow), Unit: UnitRow, Field: column,
				Reason: fmt.Sprintf("invalid Parquet file: page headers of row group %d: %v; "+
					"the file may be truncated, so write or upload it again", index, err)})
			continue
		}
		pagesAtOnce += largest
	}

	if limit := int64(parquetPageFactor) * int64(maxRow); pagesAtOnce > limit {
		reject("", "row group %d needs %d bytes of decoded pages at once (the largest page of "+
			"each column), over the limit of %d bytes (%d times the row limit); "+
			"write the file with smaller pages", index, pagesAtOnce, limit, parquetPageFactor)
	}
	return problems
}

// overRowLimit reports whether size bytes for values values average more
// than maxRow bytes per value, past the per-value overhead.
func overRowLimit(size, values int64, maxRow int) bool {
	if values <= 0 {
		values = 1
	}
	return size > values*(int64(maxRow)+parquetValueOverhead)
}

// maxPageHeader returns the largest page header that checkPages decodes.
// A header may carry a page's minimum and maximum value twice, in the
// current and the deprecated statistics fields, so a header of a page
// whose values are within maxRow takes up to 4 times maxRow, plus the
// fixed fields.
func maxPageHeader(maxRow int) int64 {
	return parquetPageFactor*int64(maxRow) + pageHeaderBufferSize
}

// pageError is a page whose values average more than the row limit, or
// whose header is over maxPageHeader.
type pageError struct {
	page         int
	size, values int64
	header       bool
}

func (e *pageError) Error() string {
	if e.header {
		return fmt.Sprintf("page %d has a header over the size limit", e.page)
	}
	return fmt.Sprintf("page %d holds %d bytes for %d values", e.page, e.size, e.values)
}

// checkPages reads the page headers of the column chunk meta describes
// and returns the largest uncompressed page size, or a *pageError for
// the first page whose values average more than maxRow bytes or whose
// header is too large. It reads only the headers and skips the page
// data.
func checkPages(at io.ReaderAt, meta format.ColumnMetaData, maxRow int) (int64, error) {
	start := meta.DataPageOffset
	if meta.DictionaryPageOffset > 0 && meta.DictionaryPageOffset < start {
		start = meta.DictionaryPageOffset
	}
	end := start + meta.TotalCompressedSize

	var largest int64
	for page, offset := 0, start; offset < end; page++ {
		header, headerLen, err := readPageHeader(at, offset, end, maxRow)
		if errors.Is(err, errHeaderTooLarge) {
			return 0, &pageError{page: page, header: true}
		}
		if err != nil {
			return 0, fmt.Errorf("page %d at byte %d: %w", page, offset, err)
		}
		if header.CompressedPageSize < 0 || header.UncompressedPageSize < 0 {
			return 0, fmt.Errorf("page %d at byte %d has a negative size", page, offset)
		}

		size := int64(header.UncompressedPageSize)
		if values := pageValues(header); overRowLimit(size, values, maxRow) {
			return 0, &pageError{page: page, size: size, values: values}
		}
		largest = max(largest, size)
		offset += headerLen + int64(header.CompressedPageSize)
	}
	return largest, nil
}

// errHeaderTooLarge is a page header over maxPageHeader bytes.
var errHeaderTooLarge = errors.New("page header too large")

// readPageHeader decodes the page header at offset, which ends before
// end, and returns it with its length in bytes. It decodes from a
// buffer that starts small and grows up to maxPageHeader(maxRow) bytes,
// because the thrift stream decoder allocates a field's declared length
// before it reads the field.
func readPageHeader(at io.ReaderAt, offset, end int64, maxRow int) (*format.PageHeader, int64, error) {
	var protocol thrift.CompactProtocol
	limit := min(end-offset, maxPageHeader(maxRow))
	for size := min(int64(pageHeaderBufferSize), limit); ; size = min(size*4, limit) {
		buf := make([]byte, size)
		n, err := at.ReadAt(buf, offset)
		if n < len(buf) {
			return nil, 0, fmt.Errorf("read page header: %w", cmp.Or(err, io.ErrUnexpectedEOF))
		}
		reader := protocol.NewReaderFromBytes(buf)
		header := new(format.PageHeader)
		err = thrift.NewDecoder(reader).Decode(header)
		if err == nil {
			return header, int64(reader.(interface{ BytesRead() int }).BytesRead()), nil
		}
		truncated := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		switch {
		case truncated && size < limit:
			continue // the header goes on past the buffer
		case truncated && limit == maxPageHeader(maxRow):
			return nil, 0, errHeaderTooLarge
		}
		return nil, 0, err
	}
}

// pageValues returns the number of values, nulls included, that header
// declares for its page.
func pageValues(header *format.PageHeader) int64 {
	switch {
	case header.DataPageHeader.Valid:
		return int64(header.DataPageHeader.V.NumValues)
	case header.DataPageHeaderV2.Valid:
		return int64(header.DataPageHeaderV2.V.NumValues)
	case header.DictionaryPageHeader.Valid:
		return int64(header.DictionaryPageHeader.V.NumValues)
	}
	return 1
}
