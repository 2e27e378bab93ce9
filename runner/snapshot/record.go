package snapshot

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cvmconform/cvmconform/runner/report"
)

// Record is one scenario's normalised exchanges with one target.
type Record struct {
	// The header: what was played against what, and when. Compare ignores
	// it.
	Scenario  string
	Title     string
	Source    string
	Target    string
	Region    string
	Recorded  time.Time
	Tool      string // "cvmconform <version>"
	Roles     string // e.g. "$missing=NONEXISTENT, $running1=RUNNING"
	Normalise string // the scenario's normalisation, "defaults" if none

	Steps []StepRecord
}

// StepRecord is one step of a record: the request as the scenario writes
// it, and the normalised answer.
type StepRecord struct {
	Name     string
	Request  string // Step.Summary
	Response any    // decoded JSON: map[string]any, []any, string, json.Number, bool, nil
}

// Ext is the file extension of a record: DIR/<scenario>.txt.
const Ext = ".txt"

// magic is the first line of every record file.
const magic = "# cvmconform snapshot record, format 1"

// WriteTo writes the record as plain text, for instance:
//
//	# cvmconform snapshot record, format 1
//	# scenario: stop-describe-settle
//	# title: Stop an instance, describe it in flight, let it settle, describe it again
//	# source: seed §1 (STOPPING, then STOPPED); facts §9
//	# target: http://127.0.0.1:41234 (embedded emulator)
//	# region: ap-guangzhou
//	# recorded: 2026-03-04T10:21:07Z by cvmconform 0.1.0
//	# roles: $running1=RUNNING
//	# normalise: defaults
//
//	--- step 1: stop
//	> StopInstances {"InstanceIds":["$running1"]} (tc3)
//	{
//	  "Response": {
//	    "RequestId": "<request-1>"
//	  }
//	}
//
// Each step's answer is indented JSON with sorted keys. The text is
// stable: the same exchanges always give the same bytes, apart from the
// header's target and date.
func (r *Record) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	fmt.Fprintln(&b, magic)
	for _, h := range r.header() {
		fmt.Fprintf(&b, "# %s: %s\n", h[0], oneLine(h[1]))
	}
	for i, st := range r.Steps {
		js, err := marshal(st.Response, "  ")
		if err != nil {
			return 0, fmt.Errorf("record %s, step %d: %w", r.Scenario, i+1, err)
		}
		fmt.Fprintf(&b, "\n--- step %d: %s\n> %s\n%s\n", i+1, oneLine(st.Name), oneLine(st.Request), js)
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func (r *Record) header() [][2]string {
	return [][2]string{
		{"scenario", r.Scenario}, {"title", r.Title}, {"source", r.Source}, {"target", r.Target},
		{"region", r.Region}, {"recorded", r.Recorded.UTC().Format(time.RFC3339) + " by " + r.Tool},
		{"roles", r.Roles}, {"normalise", r.Normalise},
	}
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// ReadRecord reads a record that WriteTo wrote. An error says which line
// is wrong.
func ReadRecord(rd io.Reader) (*Record, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	line := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		line++
		return strings.TrimSuffix(sc.Text(), "\r"), true // a checkout may have made CRLF of LF
	}
	first, ok := next()
	if !ok || first != magic {
		if err := sc.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("line 1: not a cvmconform snapshot record (want %q)", magic)
	}
	r := &Record{}
	var step *StepRecord
	var js strings.Builder
	flush := func() error {
		if step == nil {
			return nil
		}
		v, err := decodeJSON([]byte(js.String()))
		if err != nil {
			return fmt.Errorf("step %d (%s): the answer is not JSON: %w", len(r.Steps)+1, step.Name, err)
		}
		step.Response = v
		r.Steps = append(r.Steps, *step)
		step = nil
		js.Reset()
		return nil
	}
	for {
		l, ok := next()
		if !ok {
			break
		}
		switch {
		case step == nil && strings.HasPrefix(l, "# "):
			k, v, ok := strings.Cut(l[2:], ": ")
			if !ok {
				return nil, fmt.Errorf("line %d: a header line is \"# key: value\"", line)
			}
			if err := r.setHeader(k, v); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
		case strings.HasPrefix(l, "--- step "):
			if err := flush(); err != nil {
				return nil, err
			}
			num, name, ok := strings.Cut(strings.TrimPrefix(l, "--- step "), ": ")
			if n, err := strconv.Atoi(num); !ok || err != nil || n != len(r.Steps)+1 {
				return nil, fmt.Errorf("line %d: want \"--- step %d: NAME\"", line, len(r.Steps)+1)
			}
			req, ok := next()
			if !ok || !strings.HasPrefix(req, "> ") {
				return nil, fmt.Errorf("line %d: want \"> REQUEST\" after the step line", line)
			}
			step = &StepRecord{Name: name, Request: strings.TrimPrefix(req, "> ")}
		case step == nil && strings.TrimSpace(l) == "":
		case step == nil:
			return nil, fmt.Errorf("line %d: want a header line or \"--- step 1: NAME\"", line)
		default:
			js.WriteString(l)
			js.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if r.Scenario == "" {
		return nil, errors.New("the record names no scenario (# scenario: NAME)")
	}
	return r, nil
}

func (r *Record) setHeader(k, v string) error {
	switch k {
	case "scenario":
		r.Scenario = v
	case "title":
		r.Title = v
	case "source":
		r.Source = v
	case "target":
		r.Target = v
	case "region":
		r.Region = v
	case "recorded":
		date, tool, _ := strings.Cut(v, " by ")
		t, err := time.Parse(time.RFC3339, date)
		if err != nil {
			return fmt.Errorf("recorded: %w", err)
		}
		r.Recorded, r.Tool = t, tool
	case "roles":
		r.Roles = v
	case "normalise":
		r.Normalise = v
	default:
		return fmt.Errorf("unknown header %q", k)
	}
	return nil
}

// WriteDir writes each record to dir/<scenario>.txt, creating dir if
// needed; each file is replaced atomically. Records of other scenarios
// already in dir are left alone.
func WriteDir(dir string, recs []*Record) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	for _, r := range recs {
		path := filepath.Join(dir, r.Scenario+Ext)
		if err := report.WriteFile(path, func(w io.Writer) error { _, err := r.WriteTo(w); return err }); err != nil {
			return err
		}
	}
	return nil
}

// ReadDir reads every record of dir (the files named *.txt), sorted by
// scenario. A file that is not a record is an error that names it; so is
// a directory without any record.
func ReadDir(dir string) ([]*Record, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+Ext))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		return nil, fmt.Errorf("snapshot: %q holds no record (*%s)", dir, Ext)
	}
	var recs []*Record
	for _, p := range paths {
		r, err := readFile(p)
		if err != nil {
			return nil, err
		}
		if want := strings.TrimSuffix(filepath.Base(p), Ext); r.Scenario != want {
			return nil, fmt.Errorf("snapshot: %q records the scenario %q; its file must be named %s%s", p, r.Scenario, r.Scenario, Ext)
		}
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b *Record) int { return strings.Compare(a.Scenario, b.Scenario) })
	return recs, nil
}

func readFile(path string) (*Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	defer f.Close()
	r, err := ReadRecord(f)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %q: %w", path, err)
	}
	return r, nil
}

// Value is the record as one JSON value with sorted keys, for go-snaps:
// {"scenario": NAME, "steps": [{"step": 1, "name", "request",
// "response"}, …]}. The header's target and date are left out, so that
// the value depends only on the exchanges.
func (r *Record) Value() map[string]any {
	steps := make([]any, len(r.Steps))
	for i, st := range r.Steps {
		steps[i] = map[string]any{"step": i + 1, "name": st.Name, "request": st.Request, "response": st.Response}
	}
	return map[string]any{"scenario": r.Scenario, "roles": r.Roles, "steps": steps}
}

// JSON is Value encoded with sorted keys and without HTML escaping, so
// that placeholders such as "<request-1>" stay readable.
func (r *Record) JSON() ([]byte, error) { return marshal(r.Value(), "  ") }
