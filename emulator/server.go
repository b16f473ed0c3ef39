package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// serveControl answers /__emulator/*: never faulted, rate-limited, counted or
// authenticated, so tests and the CLI can always reach it.
func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/__emulator/stats":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, e.Stats())
		case http.MethodDelete:
			e.ResetStats()
			w.WriteHeader(http.StatusNoContent)
		default:
			controlError(w, http.StatusMethodNotAllowed, "use GET or DELETE")
		}
	case "/__emulator/clock":
		switch r.Method {
		case http.MethodGet:
		case http.MethodPost:
			var body struct {
				Advance string `json:"advance"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				controlError(w, http.StatusBadRequest, `body must be {"advance":"<duration>"}`)
				return
			}
			d, err := time.ParseDuration(body.Advance)
			if err != nil || d < 0 {
				controlError(w, http.StatusBadRequest, fmt.Sprintf("advance must be a non-negative Go duration such as 720h, got %q", body.Advance))
				return
			}
			e.AdvanceClock(d)
		default:
			controlError(w, http.StatusMethodNotAllowed, "use GET or POST")
			return
		}
		writeJSON(w, http.StatusOK, map[string]time.Time{"now": e.Now()})
	default:
		controlError(w, http.StatusNotFound, "unknown control endpoint; try /__emulator/stats or /__emulator/clock")
	}
}

func controlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// Server is an emulator listening on a TCP address.
type Server struct {
	URL      string // base URL ending in /client/v4
	Addr     string
	Emulator *Emulator

	srv       *http.Server
	done      chan error
	closeOnce sync.Once
	closeErr  error
}

// Start creates an emulator and serves it on listen ("" means 127.0.0.1:0).
func Start(opts Options, listen string) (*Server, error) {
	e, err := New(opts)
	if err != nil {
		return nil, err
	}
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", listen, err)
	}
	h := e.Handler()
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	s := &Server{
		Addr:     ln.Addr().String(),
		Emulator: e,
		srv:      &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		done:     make(chan error, 1),
	}
	s.URL = "http://" + s.Addr + APIPrefix
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close shuts the server down gracefully, waiting up to five seconds for
// requests in flight. Closing twice is harmless.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.shutdown() })
	return s.closeErr
}

func (s *Server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	if serveErr := <-s.done; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}
