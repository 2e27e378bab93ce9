package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cvmconform/cvmconform/runner/report"
)

// outputFile is a file a flag names for a report or a transcript. Every
// command writes its outputs through one set of rules:
//
//   - "-" is standard output, and so is any path that leads to the file
//     standard output already is (/dev/stdout, /proc/self/fd/1); the
//     console report then goes to standard error, so that the file can
//     be piped whole;
//   - a path that is not a regular file (a device, a named pipe, a link)
//     is written through in place, never renamed over
//     ([report.WriteFile]);
//   - a path that could not be written (its directory missing or not
//     writable) is refused before anything is sent (exit 2), not after a
//     whole run ([report.CheckWritable]).
type outputFile struct {
	flag string // the flag's name, without dashes
	path string // "" when the flag was not given
}

// isStdout reports whether path means standard output.
func (c cli) isStdout(path string) bool {
	if path == "-" {
		return true
	}
	f, ok := c.stdout.(interface{ Stat() (fs.FileInfo, error) })
	if !ok || path == "" {
		return false
	}
	out, err := f.Stat()
	if err != nil {
		return false
	}
	fi, err := os.Stat(path)
	return err == nil && os.SameFile(fi, out)
}

// checkOutputs refuses the first output that could not be written,
// naming its flag.
func (c cli) checkOutputs(outs ...outputFile) error {
	for _, o := range outs {
		if o.path == "" || c.isStdout(o.path) {
			continue
		}
		if err := report.CheckWritable(o.path); err != nil {
			return fmt.Errorf("--%s: %w", o.flag, err)
		}
	}
	return nil
}

// console is where the console report goes: standard output, unless one
// of outs is standard output.
func (c cli) console(outs ...outputFile) io.Writer {
	for _, o := range outs {
		if o.path != "" && c.isStdout(o.path) {
			return c.stderr
		}
	}
	return c.stdout
}

// writeOutput writes a whole report to o, if it names a file.
func (c cli) writeOutput(o outputFile, render func(io.Writer) error) error {
	switch {
	case o.path == "":
		return nil
	case c.isStdout(o.path):
		if err := render(c.stdout); err != nil {
			return fmt.Errorf("--%s: writing standard output: %w", o.flag, err)
		}
		return nil
	}
	if err := report.WriteFile(o.path, render); err != nil {
		return fmt.Errorf("--%s: %w", o.flag, err)
	}
	return nil
}

// createOutput opens o for writing as it goes (a transcript): standard
// output, or the file, created or truncated in place.
func (c cli) createOutput(o outputFile) (io.WriteCloser, error) {
	if c.isStdout(o.path) {
		return nopCloser{c.stdout}, nil
	}
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", o.flag, err)
	}
	return f, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// checkOutputDir refuses a directory of outputs (snapshot record --out)
// that could not be written: it must be a directory that takes a new
// file, or not exist yet under one that does (it is created).
func checkOutputDir(flag, dir string) error {
	if dir == "-" {
		return fmt.Errorf("--%s: a directory is needed, not standard output", flag)
	}
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if errors.Is(err, fs.ErrNotExist) && filepath.Dir(d) != d {
			continue
		}
		if err != nil {
			return fmt.Errorf("--%s: %w", flag, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("--%s: %q is not a directory", flag, d)
		}
		if err := report.CheckWritable(filepath.Join(d, ".cvmconform-probe")); err != nil {
			return fmt.Errorf("--%s: %w", flag, err)
		}
		return nil
	}
}
