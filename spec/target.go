package spec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/conform-wsgi/conform/internal/wire"
	"github.com/conform-wsgi/conform/probes"
)

// Target is a server hosting the probe.
type Target struct {
	Addr string
	// Host is the Host header value checks send; it defaults to Addr.
	Host string
	// Scale stretches every timing a check uses (delays, thresholds, timeouts), for slow
	// machines. 1 when zero.
	Scale float64
	seq   atomic.Uint64
}

// NewTarget returns a target for host:port.
func NewTarget(addr string) *Target { return &Target{Addr: addr} }

func (t *Target) host() string {
	if t.Host != "" {
		return t.Host
	}
	return t.Addr
}

// dur scales a duration by the target's timing scale.
func (t *Target) dur(d time.Duration) time.Duration {
	if t.Scale <= 0 {
		return d
	}
	return time.Duration(float64(d) * t.Scale)
}

// nextID returns a fresh correlation id for X-Conform-Id.
func (t *Target) nextID() string { return fmt.Sprintf("c%d", t.seq.Add(1)) }

// noHost, given as a field, leaves the Host header out of a built request.
const noHost = "\x00no-host"

// request builds a request head: start line, Host (unless a field sets or removes it),
// X-Conform-Id, the given field lines verbatim, and the empty line. Fields are raw lines
// without CRLF, so a check can send any byte it needs.
func (t *Target) request(startLine string, fields ...string) []byte {
	var b strings.Builder
	b.WriteString(startLine)
	b.WriteString("\r\n")
	hostGiven := false
	for _, f := range fields {
		if f == noHost || strings.HasPrefix(strings.ToLower(f), "host:") {
			hostGiven = true
		}
	}
	if !hostGiven {
		b.WriteString("Host: " + t.host() + "\r\n")
	}
	b.WriteString(probes.IDHeader + ": " + t.nextID() + "\r\n")
	for _, f := range fields {
		if f == noHost {
			continue
		}
		b.WriteString(f)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// get builds "GET target HTTP/1.1" with the given fields.
func (t *Target) get(target string, fields ...string) []byte {
	return t.request("GET "+target+" HTTP/1.1", fields...)
}

// post builds a POST with a Content-Length body.
func (t *Target) post(target, body string, fields ...string) []byte {
	fields = append(fields, fmt.Sprintf("Content-Length: %d", len(body)))
	return append(t.request("POST "+target+" HTTP/1.1", fields...), body...)
}

// Do runs one script against the target, with the target's timing scale applied.
func (t *Target) Do(ctx context.Context, s wire.Script) (*wire.Exchange, error) {
	if t.Scale > 0 && t.Scale != 1 {
		s.IdleTimeout = t.dur(orDefault(s.IdleTimeout, wire.DefaultIdleTimeout))
		s.Deadline = t.dur(orDefault(s.Deadline, wire.DefaultDeadline))
		s.Linger = t.dur(s.Linger)
		for i := range s.Steps {
			s.Steps[i].Delay = t.dur(s.Steps[i].Delay)
			s.Steps[i].AwaitResponse = t.dur(s.Steps[i].AwaitResponse)
		}
	}
	return wire.Do(ctx, t.Addr, s)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// ErrNotProbe marks a target that answers HTTP but does not host the conform probe.
var ErrNotProbe = errors.New("target does not host the conform probe")

// Preflight makes sure the target is reachable and hosts a probe speaking this protocol,
// so a misconfigured run stops with one clear message instead of a page of failures.
func Preflight(ctx context.Context, t *Target) (*probes.Echo, error) {
	x, err := t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: t.get(probes.Prefix + "echo")}}, Responses: 1, IdleTimeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	if len(x.Responses) == 0 {
		if x.Garbage != "" {
			return nil, fmt.Errorf("%w: %s answered something that is not HTTP/1.x (%s)", ErrNotProbe, t.Addr, x.Garbage)
		}
		return nil, fmt.Errorf("%w: %s accepted the connection but sent no response (%s)", ErrNotProbe, t.Addr, x.End)
	}
	r := x.Responses[0]
	if r.Status != 200 {
		return nil, fmt.Errorf("%w: GET %secho answered %d %s; is the server running probe.py ('conform probe --write DIR')?", ErrNotProbe, probes.Prefix, r.Status, r.Reason)
	}
	e, err := probes.Decode(r.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotProbe, err)
	}
	return e, nil
}

// ScaleDuration stretches d by the target's timing scale.
func (t *Target) ScaleDuration(d time.Duration) time.Duration { return t.dur(d) }
