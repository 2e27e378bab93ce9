package report

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// WriteFile writes a report to path atomically: render writes into a new
// temporary file in the same directory (named ".<name>.tmp…"), which is
// flushed, synced to disk and renamed over path. A reader of path sees
// the old file or the whole new one, never part of one. If render or any
// step fails, the temporary file is removed, path is left as it was, and
// the error names path and wraps the cause with %w.
//
// A new file gets mode 0666 less the umask, as [os.Create] gives; a
// replaced one keeps its permissions. If path exists and is not a regular
// file — a device such as /dev/null, a named pipe, a symbolic link (such
// as /dev/stdout) to anything — nothing is renamed over it: WriteFile
// renders into memory and then writes through path in place (truncating
// a regular file a link leads to), so a render error still writes
// nothing and the link stays a link. [CheckWritable] tells beforehand
// whether WriteFile could write path. For example:
//
//	err := report.WriteFile("report.json", func(w io.Writer) error { return report.JSON(w, run) })
func WriteFile(path string, render func(io.Writer) error) error {
	if err := writeFile(path, render); err != nil {
		return fmt.Errorf("report: writing %q: %w", path, err)
	}
	return nil
}

func writeFile(path string, render func(io.Writer) error) (err error) {
	fi, statErr := os.Lstat(path)
	if statErr == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return writeDirect(path, render)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := createTemp(dir, base)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriter(f)
	if err := render(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if statErr == nil {
		if err := f.Chmod(fi.Mode().Perm()); err != nil {
			return err
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// createTemp creates a new file in dir for base, with mode 0666 less the
// umask (os.CreateTemp would give 0600).
func createTemp(dir, base string) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, "."+base+".tmp"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, errors.New("cannot create a temporary file")
}

// writeDirect renders into memory, then writes through the existing
// non-regular file path in place; a regular file a link leads to is
// truncated first.
func writeDirect(path string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	flags := os.O_WRONLY
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// CheckWritable reports, without writing anything, whether [WriteFile]
// could write path: a path that exists and is not a regular file (a
// device, a named pipe, a link) must open for writing — a named pipe
// nobody reads yet counts as writable; any other path must not be a
// directory, and its directory must exist and take a new file (one is
// created and removed at once). The error names path and says which.
func CheckWritable(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.IsDir():
		return fmt.Errorf("report: %q is a directory", path)
	case err == nil && !fi.Mode().IsRegular():
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if errors.Is(err, syscall.ENXIO) { // a named pipe without a reader yet
			return nil
		}
		if err != nil {
			return fmt.Errorf("report: cannot write %q: %w", path, err)
		}
		return f.Close()
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("report: cannot write %q: %w", path, err)
	}
	dir := filepath.Dir(path)
	if di, err := os.Stat(dir); err != nil {
		return fmt.Errorf("report: cannot write %q: its directory %q: %w", path, dir, err)
	} else if !di.IsDir() {
		return fmt.Errorf("report: cannot write %q: %q is not a directory", path, dir)
	}
	f, err := createTemp(dir, filepath.Base(path))
	if err != nil {
		return fmt.Errorf("report: cannot write %q: its directory %q takes no new file: %w", path, dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// syncDir makes a rename in dir durable where the system allows it
// (POSIX); elsewhere, such as on Windows, it does nothing.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// IsTerminal reports whether w is a terminal (a character device), as
// [os.Stdout] is when nobody redirects it. Use it to choose live
// [Progress] and [ConsoleOptions.Color]. Any writer other than an
// [*os.File] (or another type with a Stat method) is not a terminal.
// /dev/null is a character device too, so it counts as one; what is
// written there does not matter.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&fs.ModeCharDevice != 0
}
