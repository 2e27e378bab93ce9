package tcapi_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"regexp"
	"testing"
	"testing/iotest"

	"github.com/cvmconform/cvmconform/runner/tcapi"
)

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewRequestID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		id := tcapi.NewRequestID(rand.Reader)
		if !requestIDPattern.MatchString(id) {
			t.Fatalf("NewRequestID = %q; want a lower-case UUIDv4", id)
		}
		if seen[id] {
			t.Fatalf("NewRequestID repeated %q", id)
		}
		seen[id] = true
	}
	for _, b := range []byte{0x00, 0xff} {
		id := tcapi.NewRequestID(bytes.NewReader(bytes.Repeat([]byte{b}, 16)))
		if !requestIDPattern.MatchString(id) {
			t.Errorf("NewRequestID(all %#x) = %q; want version and variant bits set", b, id)
		}
	}
	if got, want := tcapi.NewRequestID(bytes.NewReader(bytes.Repeat([]byte{0}, 16))), "00000000-0000-4000-8000-000000000000"; got != want {
		t.Errorf("NewRequestID(zeros) = %s; want %s", got, want)
	}
}

func TestNewRequestIDPanicsOnShortRead(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Errorf("NewRequestID(failing reader) did not panic; want a panic")
		}
	}()
	tcapi.NewRequestID(iotest.ErrReader(errors.New("no entropy")))
}
