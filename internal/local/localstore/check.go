package localstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
)

// checkFile checks a database file before bbolt opens it for writing.
//
// The file's list of free pages is not written with each commit (see
// openBolt), so bbolt rebuilds it when it opens the file for writing, by
// walking every page of the tree in a goroutine of its own. A damaged page
// makes that goroutine panic, and a panic there cannot be recovered: it
// ends the process. So the same pages are walked here first, read from the
// file rather than mapped, and anything that would make bbolt's walk
// panic, or read outside the file, is an error: a page that is not the one
// its parent names, a page of a kind that has no place in the tree, an
// entry that lies outside its page, keys out of order, a page used twice,
// a bucket's header cut short.
//
// bbolt itself opens the file read-only to find the tree: it checks the
// meta pages and picks the one it will use, and opening read-only neither
// rebuilds the free list nor reads anything else. A file that is not there
// yet, or is empty, is a new database.
func checkFile(path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil || info.Size() == 0 {
		return err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: lockWait})
	if err != nil {
		return err
	}
	defer db.Close()
	w := &pageWalker{pageSize: uint64(db.Info().PageSize)}
	var root uint64
	if err := db.View(func(tx *bolt.Tx) error {
		root = uint64(tx.Cursor().Bucket().Root())
		w.highWater = uint64(tx.Size()) / w.pageSize
		return nil
	}); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return err
	}
	// Reading past the end of a mapped file crashes the process too.
	if need := w.highWater * w.pageSize; uint64(info.Size()) < need {
		return fmt.Errorf("the file holds %d bytes of the %d it should", info.Size(), need)
	}
	w.file = f
	w.seen = make([]uint64, w.highWater/64+1)
	w.scratch = make([]byte, w.pageSize)
	return w.tree(root, nil, nil)
}

// The layout of a bbolt page: a 16-byte header (the page's ID, its kind,
// the number of its entries and of the pages that follow it), then the
// entries, 16 bytes each, then their keys and values. A branch entry holds
// where its key is, relative to the entry, the key's length and the child
// page; a leaf entry holds flags, where its key is, and the lengths of the
// key and of the value that follows it. A bucket's value starts with its
// root page and a sequence number; a bucket small enough to be kept
// inline has root page 0, and its leaf page follows in the value.
const (
	pageHeaderSize = 16
	entrySize      = 16
	bucketHeader   = 16

	branchPage = 0x01
	leafPage   = 0x02
	bucketLeaf = 0x01
)

// pageWalker walks the pages of a database file.
type pageWalker struct {
	file      io.ReaderAt
	pageSize  uint64
	highWater uint64   // pages in use, as the meta page says
	seen      []uint64 // a bit for each page already reached
	scratch   []byte   // the first page of a leaf, read into
}

// page is one page's bytes: the first of them read at once, the rest, of
// a page that runs on over the pages after it, read when needed.
type page struct {
	id     uint64
	file   io.ReaderAt // nil for a bucket's page kept inline
	offset int64
	length uint64
	head   []byte
}

// inside reports whether n bytes at off lie inside the page.
func (p *page) inside(off, n uint64) bool {
	return off <= p.length && n <= p.length-off
}

// at returns n bytes at off in the page, refusing any that lie outside it.
func (p *page) at(off, n uint64) ([]byte, error) {
	if !p.inside(off, n) {
		return nil, fmt.Errorf("page %d: an entry lies outside the page", p.id)
	}
	if off+n <= uint64(len(p.head)) {
		return p.head[off : off+n], nil
	}
	b := make([]byte, n)
	if _, err := p.file.ReadAt(b, p.offset+int64(off)); err != nil {
		return nil, fmt.Errorf("page %d: %w", p.id, err)
	}
	return b, nil
}

// tree checks the page id and the pages under it, whose keys must lie in
// [lo, hi), either bound nil when there is none.
func (w *pageWalker) tree(id uint64, lo, hi []byte) error {
	if id < 2 || id >= w.highWater {
		return fmt.Errorf("a reference to page %d, outside the %d pages in use", id, w.highWater)
	}
	head := w.scratch
	if _, err := w.file.ReadAt(head, int64(id*w.pageSize)); err != nil {
		return fmt.Errorf("page %d: %w", id, err)
	}
	// A branch page's keys bound its children's while they are walked, so
	// it keeps a copy of its own; a leaf is done with the scratch buffer
	// before the buckets it holds are walked.
	if binary.NativeEndian.Uint16(head[8:]) == branchPage {
		head = bytes.Clone(head)
	}
	if got := binary.NativeEndian.Uint64(head); got != id {
		return fmt.Errorf("page %d: it says it is page %d", id, got)
	}
	overflow := uint64(binary.NativeEndian.Uint32(head[12:]))
	if id+overflow >= w.highWater {
		return fmt.Errorf("page %d: it runs on past the %d pages in use", id, w.highWater)
	}
	for i := id; i <= id+overflow; i++ {
		if w.seen[i/64]&(1<<(i%64)) != 0 {
			return fmt.Errorf("page %d: reached twice", i)
		}
		w.seen[i/64] |= 1 << (i % 64)
	}
	p := &page{id: id, file: w.file, offset: int64(id * w.pageSize), length: (overflow + 1) * w.pageSize, head: head}
	return w.entries(p, lo, hi)
}

// entries checks a page's entries, and walks on to its children and to the
// buckets it holds.
func (w *pageWalker) entries(p *page, lo, hi []byte) error {
	flags := binary.NativeEndian.Uint16(p.head[8:])
	count := uint64(binary.NativeEndian.Uint16(p.head[10:]))
	if flags != branchPage && flags != leafPage {
		return fmt.Errorf("page %d: a page of kind %#x where a branch or a leaf belongs", p.id, flags)
	}
	if flags == branchPage && count == 0 {
		return fmt.Errorf("page %d: a branch with no entries", p.id)
	}
	table, err := p.at(pageHeaderSize, count*entrySize)
	if err != nil {
		return err
	}
	var keys [][]byte
	var buckets [][]byte
	var children []uint64
	for i := range count {
		e := table[i*entrySize : (i+1)*entrySize]
		// Where the entry's key is, from the entry itself.
		at := pageHeaderSize + i*entrySize
		var key []byte
		if flags == branchPage {
			key, err = p.at(at+uint64(binary.NativeEndian.Uint32(e)), uint64(binary.NativeEndian.Uint32(e[4:])))
			children = append(children, binary.NativeEndian.Uint64(e[8:]))
		} else {
			ksize, vsize := uint64(binary.NativeEndian.Uint32(e[8:])), uint64(binary.NativeEndian.Uint32(e[12:]))
			start := at + uint64(binary.NativeEndian.Uint32(e[4:]))
			key, err = p.at(start, ksize)
			switch {
			case err != nil:
			case binary.NativeEndian.Uint32(e)&bucketLeaf != 0:
				var v []byte
				if v, err = p.at(start+ksize, vsize); err == nil {
					buckets = append(buckets, bytes.Clone(v))
				}
			case !p.inside(start+ksize, vsize):
				// Other values need not be read here, only lie inside
				// the page, so that reading them later stays in the file.
				err = fmt.Errorf("page %d: an entry lies outside the page", p.id)
			}
		}
		if err != nil {
			return err
		}
		if len(key) == 0 {
			return fmt.Errorf("page %d: an empty key", p.id)
		}
		if (i == 0 && lo != nil && bytes.Compare(key, lo) < 0) ||
			(i > 0 && bytes.Compare(keys[i-1], key) >= 0) ||
			(hi != nil && bytes.Compare(key, hi) >= 0) {
			return fmt.Errorf("page %d: keys out of order", p.id)
		}
		keys = append(keys, key)
	}
	for i, child := range children {
		next := hi
		if i+1 < len(keys) {
			next = keys[i+1]
		}
		if err := w.tree(child, keys[i], next); err != nil {
			return err
		}
	}
	for _, v := range buckets {
		if err := w.bucket(p.id, v); err != nil {
			return err
		}
	}
	return nil
}

// bucket checks a bucket, given its value in the leaf page id: its tree of
// pages, or its inline page.
func (w *pageWalker) bucket(id uint64, v []byte) error {
	if len(v) < bucketHeader {
		return fmt.Errorf("page %d: a bucket's header cut short", id)
	}
	if root := binary.NativeEndian.Uint64(v); root != 0 {
		return w.tree(root, nil, nil)
	}
	inline := v[bucketHeader:]
	if len(inline) < pageHeaderSize {
		return fmt.Errorf("page %d: a bucket's page cut short", id)
	}
	if binary.NativeEndian.Uint16(inline[8:]) != leafPage {
		return fmt.Errorf("page %d: a bucket's page kept inline is not a leaf", id)
	}
	return w.entries(&page{id: id, length: uint64(len(inline)), head: inline}, nil, nil)
}
