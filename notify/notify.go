package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Timeout bounds the whole request, connection and answer included.
const Timeout = 15 * time.Second

// maxAnswer is how much of the answer is read (and thrown away) so that the
// connection can be reused; a webhook answers "ok".
const maxAnswer = 64 << 10

// CheckURL refuses a webhook URL that is not https with a host (plain http is
// allowed to a loopback address only), or that carries credentials. Its
// errors never quote the URL.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, errors.New("--notify takes an absolute https URL with a host")
	}
	if u.User != nil {
		return nil, errors.New("--notify: the URL must not carry a user or password")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
			return nil, errors.New("--notify takes https URLs only (plain http only to a loopback address)")
		}
	default:
		return nil, errors.New("--notify takes an absolute https URL with a host")
	}
	return u, nil
}

// Post sends body (JSON) to the webhook. Its errors name the status or the
// kind of failure, never the URL.
func Post(ctx context.Context, webhook string, body []byte) error {
	u, err := CheckURL(webhook)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return errors.New("notify: the request could not be built")
	}
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{
		Timeout: Timeout,
		// A redirect could take the summary elsewhere, or downgrade to http.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error repeats the URL: keep only what went wrong.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("notify: the webhook did not answer within %s", Timeout)
		case errors.Is(err, context.Canceled):
			return errors.New("notify: interrupted")
		}
		return errors.New("notify: the webhook could not be reached")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify: the webhook answered HTTP %d", resp.StatusCode)
	}
	return nil
}
