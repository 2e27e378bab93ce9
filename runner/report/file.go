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
)

// WriteFile writes a report to path atomically: render writes into a new
// temporary file in the same directory (named ".<name>.tmp…"), which is
// flushed, synced to disk and renamed over path. A reader of path sees
// the old file or the whole new one, never part of one. If render or any
// step fails, the temporary file is removed, path is left as it was, and
// the error names path and wraps the cause with %w.
//
// A new file gets mode 0666 less the umask, as [os.Create] gives; a
// replaced one keeps its permissions. If path is a symbolic link, the link
// itself is replaced. If path exists and is not a regular file (a device
// such as /dev/stdout, a named pipe), nothing can be renamed over it:
// WriteFile renders into memory and then writes to it directly, so a
// render error still writes nothing. For example:
//
//	err := report.WriteFile("report.json", func(w io.Writer) error { return report.JSON(w, run) })
func WriteFile(path string, render func(io.Writer) error) error {
	if err := writeFile(path, render); err != nil {
		return fmt.Errorf("report: writing %q: %w", path, err)
	}
	return nil
}

func writeFile(path string, render func(io.Writer) error) (err error) {
	fi, statErr := os.Stat(path)
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

// writeDirect renders into memory, then writes to the existing non-regular
// file path.
func writeDirect(path string, render func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
