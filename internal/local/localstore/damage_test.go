package localstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/testing/storetest"
)

// storedDatabase makes a database holding n requests with long reasons,
// enough for the largest buckets to need branch pages, and a few emails
// larger than a page, and returns its bytes and the requests.
func storedDatabase(t testing.TB, n int) ([]byte, []appointment.Request) {
	t.Helper()
	dir := t.TempDir()
	s := open(t, dir)
	var stored []appointment.Request
	for i := range n {
		stored = append(stored, create(t, s, strings.Repeat("history ", 40)+fmt.Sprint(i), storetest.T0))
	}
	// Some emails and transitions too, so that the deliveries bucket and
	// the change log hold pages of their own.
	ctx := context.Background()
	for _, r := range stored[:n/2] {
		if _, _, err := s.ClaimEmail(ctx, r.ID, appointment.EmailPatient, "lease", storetest.T0.Add(1e9), storetest.T0); err != nil {
			t.Fatal(err)
		}
	}
	// Emails larger than a page, which run on over the pages after their
	// own.
	for i := range 2 {
		raw := []byte(strings.Repeat(fmt.Sprintf("line %d of a long email\r\n", i), 250))
		if _, err := s.Send(ctx, appointment.Message{From: "appointments@example.com", To: []string{"desk@example.com"}, Raw: raw}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	return b, stored
}

// pagesInUse returns the pages that start a branch or a leaf of the
// database b, by bbolt's own account, and how many pages it has.
func pagesInUse(t testing.TB, b []byte) (map[int]bool, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	starts := map[int]bool{}
	pages := len(b) / db.Info().PageSize
	branches, overflows := 0, 0
	err = db.View(func(tx *bolt.Tx) error {
		for id := 2; id < pages; id++ {
			info, err := tx.Page(id)
			if err != nil || info == nil {
				return err
			}
			if info.Type == "branch" || info.Type == "leaf" {
				starts[id] = true
				if info.Type == "branch" {
					branches++
				}
				if info.OverflowCount > 0 {
					overflows++
				}
				// The pages it runs on over hold its values.
				id += info.OverflowCount
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if branches == 0 || overflows == 0 {
		t.Fatalf("the database has %d branch pages and %d pages that run on; want some of each", branches, overflows)
	}
	return starts, pages
}

// TestDamagedPageIsRefused: whatever page of the database is damaged, and
// however, opening it never crashes the process. A damaged page of the
// tree is refused with ErrDamaged; a free page may be damaged, and then
// the store opens and every request reads back as it was stored.
func TestDamagedPageIsRefused(t *testing.T) {
	pristine, stored := storedDatabase(t, 40)
	inUse, pages := pagesInUse(t, pristine)
	pageSize := len(pristine) / pages
	random := rand.New(rand.NewPCG(1, 2))
	damage := []struct {
		name string
		fn   func(page []byte)
		// header is whether the damage reaches the page's header, which
		// every page of the tree is refused for.
		header bool
	}{
		{"zeroed", func(page []byte) { clear(page) }, true},
		{"overwritten", func(page []byte) {
			for i := range page {
				page[i] = byte(random.Uint32())
			}
		}, true},
		{"entry count raised", func(page []byte) { page[10], page[11] = 0xff, 0x7f }, true},
		// The entries and keys overwritten, the header kept.
		{"body overwritten", func(page []byte) {
			for i := pageHeaderSize; i < len(page); i++ {
				page[i] = byte(random.Uint32())
			}
		}, false},
	}
	for _, d := range damage {
		t.Run(d.name, func(t *testing.T) {
			refused := 0
			// Pages 0 and 1 are the meta pages, which bbolt checks itself.
			for id := 2; id < pages; id++ {
				b := append([]byte(nil), pristine...)
				d.fn(b[id*pageSize : (id+1)*pageSize])
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
					t.Fatal(err)
				}
				s, err := Open(dir)
				if err != nil {
					if !errors.Is(err, ErrDamaged) {
						t.Errorf("page %d %s: Open() = %v, want ErrDamaged", id, d.name, err)
					}
					refused++
					continue
				}
				if d.header && inUse[id] {
					t.Errorf("page %d of the tree %s: opened, want ErrDamaged", id, d.name)
				}
				for _, r := range stored {
					got, err := s.Get(context.Background(), r.ID)
					if err != nil || got.Reason != r.Reason {
						t.Errorf("page %d %s: opened, but request %s reads %v", id, d.name, r.ID, err)
						break
					}
				}
				s.Close()
			}
			if refused == 0 {
				t.Errorf("none of the %d pages %s was refused", pages, d.name)
			}
			t.Logf("%s: %d of %d pages refused, %d of them in the tree", d.name, refused, pages, len(inUse))
		})
	}
}

// touched keeps the reading of every byte in FuzzCheckFile from being
// optimised away.
var touched int

// FuzzCheckFile damages a database with bytes written anywhere past its
// meta pages. Whatever checkFile accepts, bbolt opens for writing, which
// rebuilds its list of free pages in a goroutine where a panic ends the
// process, and every key and value then reads without a fault, which
// ends the process too: a crash of the fuzzing run is the failure.
func FuzzCheckFile(f *testing.F) {
	pristine, _ := storedDatabase(f, 40)
	pageSize := os.Getpagesize()
	pages := len(pristine) / pageSize
	for _, seed := range []struct {
		page, offset uint16
		data         []byte
	}{
		{2, 0, make([]byte, 16)},
		{3, 10, []byte{0xff, 0x7f}},
		{4, 16, []byte("\xff\xff\xff\xff\x00\x00\x00\x01")},
		{5, 24, []byte{0, 0, 0, 0x10}},
		{6, 40, []byte("zzzzzzzz")},
	} {
		f.Add(seed.page, seed.offset, seed.data)
	}
	f.Fuzz(func(t *testing.T, page, offset uint16, data []byte) {
		b := append([]byte(nil), pristine...)
		at := (2+int(page)%(pages-2))*pageSize + int(offset)%pageSize
		copy(b[at:], data)
		path := filepath.Join(t.TempDir(), FileName)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := checkFile(path); err != nil {
			return
		}
		db, err := bolt.Open(path, 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType, NoFreelistSync: true})
		if err != nil {
			t.Fatalf("checkFile accepted the file, bbolt refused it: %v", err)
		}
		defer db.Close()
		// A panic here is the store's to recover (Store.read); a fault
		// would not be.
		func() {
			defer func() { _ = recover() }()
			_ = db.View(func(tx *bolt.Tx) error {
				return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
					return b.ForEach(func(k, v []byte) error {
						var sum byte
						for _, c := range k {
							sum += c
						}
						for _, c := range v {
							sum += c
						}
						touched += int(sum)
						return nil
					})
				})
			})
		}()
	})
}
