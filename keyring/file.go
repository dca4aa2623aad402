package keyring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// File is a [Backend] in one file, for one machine: processes that use the
// same path share one ring. The ring state is a JSON document (see
// [FormatVersion]) whose secret keys are wrapped: a [Ring] refuses a File
// without [Config.WrappingKey] or [Config.Password].
//
// Every change rewrites the file atomically: the new state is written to a
// temporary file in the same directory, synced, renamed over the old one,
// and the directory is synced, so a crash leaves either the old or the new
// state, never a mix. Writers take an exclusive lock on "<path>.lock"
// (flock, on Unix; only within the process elsewhere) around the
// compare-and-swap. A file that cannot be read is reported, never
// replaced.
type File struct {
	path string
	mu   sync.Mutex // serializes the writers of this process
}

// NewFile returns a File backend for path. The file need not exist: the
// first ring creates it (mode 0600). Its directory must exist. [NewFile] does
// no I/O.
func NewFile(path string) (*File, error) {
	if path == "" {
		return nil, configError("File.Path", errors.New("empty"))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, configError("File.Path", err)
	}
	return &File{path: abs}, nil
}

// Path returns the file's absolute path.
func (f *File) Path() string { return f.path }

// String returns "file <path>".
func (f *File) String() string { return "file " + f.path }

// maxFileSize bounds what Load reads.
const maxFileSize = MaxStateSize

// Load reads the file. A missing file is the zero Record; an unreadable
// one is an error, and a file that is not ring state of a known format a
// *[StateError].
func (f *File) Load(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	return f.read()
}

func (f *File) read() (Record, error) {
	fh, err := os.Open(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return Record{}, nil
	}
	if err != nil {
		return Record{}, fmt.Errorf("keyring: %s: %w", f, err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFileSize+1))
	if err != nil {
		return Record{}, fmt.Errorf("keyring: %s: %w", f, err)
	}
	v, err := ParseStateVersion(data)
	if err != nil {
		var se *StateError
		if errors.As(err, &se) && se.Backend == "" {
			se.Backend = f.String()
		}
		return Record{}, err
	}
	return Record{Version: v, Data: data}, nil
}

// CompareAndSwap replaces the file with rec.Data if the file's version is
// old (zero: no file).
func (f *File) CompareAndSwap(ctx context.Context, old uint64, rec Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if rec.Version != old+1 {
		return fmt.Errorf("keyring: %s: record version %d after %d", f, rec.Version, old)
	}
	if v, err := ParseStateVersion(rec.Data); err != nil || v != rec.Version {
		return fmt.Errorf("keyring: %s: record data does not say version %d", f, rec.Version)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	unlock, err := lockFile(f.path + ".lock")
	if err != nil {
		return fmt.Errorf("keyring: %s: lock: %w", f, err)
	}
	defer unlock()
	cur, err := f.read()
	if err != nil {
		return err // never replace what cannot be read
	}
	if cur.Version != old {
		return ErrConflict
	}
	return f.replace(rec.Data)
}

// replace writes data to a temporary file, syncs it, renames it over the
// file and syncs the directory.
func (f *File) replace(data []byte) (err error) {
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("keyring: %s: %w", f, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("keyring: %s: %w", f, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("keyring: %s: %w", f, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("keyring: %s: %w", f, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("keyring: %s: %w", f, err)
	}
	if err = os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("keyring: %s: %w", f, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		derr = d.Sync()
		d.Close()
		if derr != nil {
			return fmt.Errorf("keyring: %s: sync directory: %w", f, derr)
		}
	}
	return nil
}
