package report

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// clock is a fake clock, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// script drives a Progress through a small run: a pass, a note between
// checks, a failure with a note and a redraw while it runs, a skip, and a
// check still running at Close.
func script(p *Progress, c *clock) {
	p.Start("SI-PROTO-01", "Every response carries a RequestId")
	c.advance(210 * time.Millisecond)
	p.Done(Check{ID: "SI-PROTO-01", Title: "Every response carries a RequestId", Status: Pass, Duration: 210 * time.Millisecond})
	p.Note("settling %d instances…\n", 40)
	p.Start("SI-BATCH-02", "Batch of 101 IDs is refused")
	c.advance(3100 * time.Millisecond)
	p.tick()
	p.Note("target slow: %s", "retrying")
	p.Done(Check{ID: "SI-BATCH-02", Title: "Batch of 101 IDs is refused", Status: Fail, Duration: 3100 * time.Millisecond,
		Reason: "the target stopped 101 instances"})
	p.Start("SI-STATE-04", "PENDING is refused")
	p.Done(Check{ID: "SI-STATE-04", Title: "PENDING is refused", Status: Skip, Reason: "no PENDING instance"})
	p.tick() // nothing running: nothing to redraw
	p.Start("SI-RATE-01", "Throttled \x1b[2J")
	c.advance(time.Second)
	p.Close()
	// After Close, nothing.
	p.Start("SI-ID-01", "x")
	p.Note("late")
	p.Done(Check{ID: "SI-ID-01", Status: Fail})
	p.tick()
	p.Close()
}

func TestProgress(t *testing.T) {
	t.Parallel()
	const erase = "\r\x1b[2K"
	for _, tc := range []struct {
		name   string
		live   bool
		want   string
		reason string
	}{
		{
			name: "live",
			live: true,
			want: erase + "[1/5] SI-PROTO-01 Every response carries a RequestId  0.00s" +
				erase +
				erase + "settling 40 instances…\n" +
				erase + "[2/5] SI-BATCH-02 Batch of 101 IDs is refused  0.00s" +
				erase + "[2/5] SI-BATCH-02 Batch of 101 IDs is refused  3.1s" +
				erase + "target slow: retrying\n" +
				erase + "[2/5] SI-BATCH-02 Batch of 101 IDs is refused  3.1s" +
				erase + "FAIL  SI-BATCH-02  Batch of 101 IDs is refused  (3.1s)\n" +
				erase + "[3/5] SI-STATE-04 PENDING is refused  0.00s" +
				erase +
				erase + `[4/5] SI-RATE-01 Throttled \x1b[2J  0.00s` +
				erase,
			reason: "one rewritten status line; permanent lines only for the failure (its reason is the report's) and the notes; erased at Close",
		},
		{
			name: "not live",
			live: false,
			want: "pass  SI-PROTO-01  Every response carries a RequestId  (0.21s)\n" +
				"settling 40 instances…\n" +
				"target slow: retrying\n" +
				"FAIL  SI-BATCH-02  Batch of 101 IDs is refused  (3.1s)\n" +
				"skip  SI-STATE-04  PENDING is refused  (0.00s) — no PENDING instance\n",
			reason: "one plain line per finished check, a skip with its reason (a failure's is the report's), and the notes; no escape sequences",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			c := &clock{t: time.Unix(0, 0)}
			script(newProgress(&b, 5, tc.live, c.now, 0), c)
			require.Equal(t, tc.want, b.String(), tc.reason)
		})
	}
}

func TestProgressStatusLine(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Unix(0, 0)}
	var b bytes.Buffer
	p := newProgress(&b, 0, true, c.now, 0)
	p.Start("", strings.Repeat("very long title ", 10))
	c.advance(95 * time.Second)
	p.tick()
	p.Close()
	lines := strings.Split(b.String(), "\r\x1b[2K")
	require.Equal(t, []string{"", "[1] ? very long title very long title very long title very long title v…  0.00s",
		"[1] ? very long title very long title very long title very long title v…  1m35s", ""}, lines,
		"unknown total, missing ID, a title cut so that the line fits in 80 columns")
	for _, l := range lines {
		require.Less(t, utf8.RuneCountInString(l), liveWidth)
	}
}

// countingWriter fails every write and counts the attempts.
type countingWriter struct{ writes int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return 0, errWrite
}

func TestProgressWriteError(t *testing.T) {
	t.Parallel()
	for _, live := range []bool{true, false} {
		w := &countingWriter{}
		c := &clock{}
		script(newProgress(w, 5, live, c.now, 0), c)
		require.Equal(t, 1, w.writes, "live=%v: after a failed write, Progress writes nothing more", live)
	}
}

// TestProgressConcurrent runs the real refresh goroutine and notes from
// another goroutine; run it with -race. Every line must come out whole.
func TestProgressConcurrent(t *testing.T) {
	t.Parallel()
	for _, live := range []bool{true, false} {
		t.Run(fmt.Sprint("live=", live), func(t *testing.T) {
			t.Parallel()
			var b syncBuffer
			p := newProgress(&b, 50, live, time.Now, time.Millisecond)
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := range 100 {
					p.Note("note %d", i)
				}
			})
			for i := range 50 {
				id := fmt.Sprintf("SI-C-%02d", i)
				p.Start(id, "title")
				if i%10 == 0 {
					time.Sleep(2 * time.Millisecond) // let the refresh run
				}
				p.Done(Check{ID: id, Title: "title", Status: Fail})
			}
			wg.Wait()
			p.Close()
			out := b.String()
			for i := range 100 {
				require.Equal(t, 1, strings.Count(out, fmt.Sprintf("note %d\n", i)), "note %d whole, once", i)
			}
			for i := range 50 {
				require.Equal(t, 1, strings.Count(out, fmt.Sprintf("FAIL  SI-C-%02d  title  (0.00s)\n", i)), "check %d whole, once", i)
			}
			if live {
				require.True(t, strings.HasSuffix(out, "\n") || strings.HasSuffix(out, "\r\x1b[2K"), "nothing dangles after Close")
				for line := range strings.SplitSeq(out, "\n") {
					if line == "" {
						continue
					}
					// A permanent line is erase + text: any earlier status
					// line on the same row was erased first.
					last := line[strings.LastIndex(line, "\r\x1b[2K")+len("\r\x1b[2K"):]
					require.True(t, strings.HasPrefix(last, "note ") || strings.HasPrefix(last, "FAIL  "), "%q", line)
				}
			} else {
				require.NotContains(t, out, "\x1b")
				require.Len(t, strings.Split(strings.TrimSuffix(out, "\n"), "\n"), 150)
			}
		})
	}
}

func TestNewProgress(t *testing.T) {
	t.Parallel()
	var b syncBuffer
	p := NewProgress(&b, 1, true)
	p.Start("SI-A-01", "title")
	p.Done(Check{ID: "SI-A-01", Title: "title", Status: Pass})
	p.Close()
	require.Equal(t, "\r\x1b[2K[1/1] SI-A-01 title  0.00s\r\x1b[2K", b.String())
}
