package report

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Progress reports a run while it goes, in one of two modes.
//
// Live (for a terminal): one status line, rewritten in place with "\r"
// and the ANSI erase-line sequence, names the check that is running and
// how long it has run ("[12/47] SI-BATCH-02 Batch of 101 IDs is refused
// 3.1s"), refreshed a few times a second; a failed or errored check
// leaves a permanent line as it finishes, and nothing else does. The
// status line is cut to 80 columns, so that it never wraps on a
// standard-width terminal (a wrapped line cannot be rewritten).
//
// Not live (for CI logs and pipes): one plain line per finished check
// ("pass  SI-BATCH-02  title  (0.21s)"; a skip adds " — reason"; a
// failure's or an error's reason is in the report), no escape sequences,
// nothing rewritten.
//
// In both modes [Progress.Note] writes a message on a line of its own.
// Output is for people and may change. Write errors are not reported:
// after the first one, Progress writes nothing more.
//
// Start and Done describe one check at a time, from the goroutine that
// runs the checks; every method, Note included, may be called from any
// goroutine, as they are serialised by a mutex. The caller must call
// Close, which stops the live refresh and erases the status line, so that
// the output never ends in a dangling partial line; methods called after
// Close do nothing. While a live Progress is open, anything else meant for
// the same terminal should go through Note: a line written around it
// would be overwritten by, or run into, the status line.
type Progress struct {
	mu     sync.Mutex
	w      io.Writer
	total  int
	live   bool
	now    func() time.Time
	done   int       // checks finished
	id     string    // the running check, "" if none
	title  string    // its title
	since  time.Time // when it started
	shown  bool      // a status line is on the screen
	closed bool
	failed bool // a write failed; write nothing more

	stop chan struct{}
	wg   sync.WaitGroup
}

// liveWidth is the most columns a live status line takes.
const liveWidth = 80

// refresh is how often a live status line is redrawn.
const refresh = 250 * time.Millisecond

// eraseLine returns to the start of the line and erases it.
const eraseLine = "\r\x1b[2K"

// NewProgress returns a Progress for a run of total checks (0 if unknown)
// that writes to w, live or not (see [Progress]). Choose live with
// [IsTerminal] on w. A live Progress starts a goroutine that redraws the
// status line; Close stops it.
func NewProgress(w io.Writer, total int, live bool) *Progress {
	return newProgress(w, total, live, time.Now, refresh)
}

// newProgress is NewProgress with a clock and a refresh interval; an
// interval of 0 starts no goroutine (tests redraw with tick).
func newProgress(w io.Writer, total int, live bool, now func() time.Time, every time.Duration) *Progress {
	p := &Progress{w: w, total: total, live: live, now: now, stop: make(chan struct{})}
	if live && every > 0 {
		p.wg.Add(1)
		go p.refresh(every)
	}
	return p
}

func (p *Progress) refresh(every time.Duration) {
	defer p.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.tick()
		}
	}
}

// tick redraws the live status line with the time elapsed.
func (p *Progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live && !p.closed && p.id != "" {
		p.draw()
	}
}

// Start notes that check id (titled title) has started. Live, it shows
// the status line; otherwise it writes nothing.
func (p *Progress) Start(id, title string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.id, p.title, p.since = clean(id, false), clean(title, false), p.now()
	if p.id == "" {
		p.id = "?"
	}
	if p.live {
		p.draw()
	}
}

// Done notes that check c has finished. Live, it erases the status line
// and, for a failure or an error, writes a permanent line; otherwise it
// writes the check's line.
func (p *Progress) Done(c Check) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.done++
	p.id = ""
	line := progressLine(c) + "\n"
	switch {
	case !p.live:
		p.write(line)
	case c.Status == Fail || c.Status == Error:
		p.write(eraseLine + line)
		p.shown = false
	default:
		p.erase()
	}
}

// Note writes a one-off message, such as "settling 40 instances…", on a
// line of its own; live, the status line is redrawn below it.
func (p *Progress) Note(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	lines := strings.Split(clean(strings.TrimRight(fmt.Sprintf(format, args...), "\n"), true), "\n")
	for i, l := range lines {
		lines[i] = fit(l, "  ")
	}
	msg := strings.Join(lines, "\n") + "\n"
	if !p.live {
		p.write(msg)
		return
	}
	p.write(eraseLine + msg)
	p.shown = false
	if p.id != "" {
		p.draw()
	}
}

// Close stops the live refresh and erases the status line. It is safe to
// call more than once.
func (p *Progress) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.erase()
	p.mu.Unlock()
	close(p.stop)
	p.wg.Wait()
}

// draw (re)writes the live status line. p.mu is held.
func (p *Progress) draw() {
	count := fmt.Sprintf("[%d/%d] ", p.done+1, p.total)
	if p.total <= 0 {
		count = fmt.Sprintf("[%d] ", p.done+1)
	}
	head := count + p.id + " "
	tail := "  " + seconds(p.now().Sub(p.since))
	title := p.title
	if room := liveWidth - 1 - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail); utf8.RuneCountInString(title) > room {
		r := []rune(title)
		title = string(r[:max(room-1, 0)]) + "…"
	}
	p.write(eraseLine + head + title + tail)
	p.shown = true
}

// erase erases the live status line, if one is shown. p.mu is held.
func (p *Progress) erase() {
	if p.shown {
		p.write(eraseLine)
		p.shown = false
	}
}

// write writes s unless a write has failed. p.mu is held.
func (p *Progress) write(s string) {
	if p.failed {
		return
	}
	if _, err := io.WriteString(p.w, s); err != nil {
		p.failed = true
	}
}

// progressLine is a finished check's line: "pass  SI-BATCH-02  title
// (0.21s)", and " — reason" when a skip has one (a failure's or an
// error's reason is printed once, in the report), fitted to the screen
// (see [fit]).
func progressLine(c Check) string {
	line := fmt.Sprintf("%s  %s  %s  (%s)", label(c.Status), clean(c.ID, false), clean(c.Title, false), seconds(c.Duration))
	if c.Reason != "" && c.Status != Fail && c.Status != Error {
		line += " — " + clean(c.Reason, false)
	}
	return fit(line, "      ")
}
