package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server serves an Emulator over HTTP on a listener it owns. The caller
// must Close (or Shutdown) it.
type Server struct {
	*Emulator
	// URL is the base URL of the server, e.g. "http://127.0.0.1:41237".
	URL string

	srv  *http.Server
	done chan error
}

// Listen starts serving e on addr ("127.0.0.1:0" picks a free port).
func Listen(addr string, e *Emulator) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("emulator: listen on %q: %w", addr, err)
	}
	s := &Server{
		Emulator: e,
		URL:      "http://" + ln.Addr().String(),
		srv: &http.Server{
			Handler:           e,
			ReadHeaderTimeout: 10 * time.Second,
			// Well over the documented 32 KB of a GET (facts §1), so
			// that a longer query reaches the emulator and is refused
			// in the envelope (RequestSizeLimitExceeded), not by
			// net/http with a bare 431.
			MaxHeaderBytes: 1 << 20,
		},
		done: make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Shutdown stops accepting requests and waits for those in flight, until
// ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if serveErr := <-s.done; err == nil {
		err = serveErr
	}
	return err
}

// Close shuts the server down, giving requests in flight a second, then
// closes what is left (such as a connection a client opened and never
// used, which Shutdown would wait for).
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	if serveErr := <-s.done; err == nil {
		err = serveErr
	}
	return err
}
