package spec

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// Target is a server hosting the probe.
type Target struct {
	Addr string
	// Host is the Host header value checks send; it defaults to Addr (with ServerPort as
	// its port when that is set).
	Host string
	// ServerPort is the port the server itself listens on when conform reaches it through
	// a mapped port (a container's published port, a forwarder); zero means Addr's port.
	// SERVER_PORT is judged against it, and the Host header names it, so a mapped server
	// sees the requests a client talking to it directly would send.
	ServerPort int
	// Scale stretches every timing a check uses (delays, thresholds, timeouts), for slow
	// machines. 1 when zero.
	Scale float64
	// RTT is the round trip to the target (dial, echo request, complete response): the
	// median of the calibration round trips Preflight makes; zero until then. Every
	// exchange's timeouts get a few round trips of slack, so a remote target is not timed
	// out on network latency alone.
	RTT time.Duration
	// TLS: the target serves HTTPS; every connection is made over TLS (wire.DialTLS).
	TLS bool
	// Front names the reverse proxy conform reaches the server through, "" when it talks
	// to the server itself. A front answers on its own when the server behind it is gone
	// (502, 503, 504), so behind one only the probe's own answer shows the server alive.
	Front string
	// Uwsgi: the target speaks uWSGI's own protocol (a uWSGI --socket), not HTTP: each
	// script's request is sent as the uwsgi packet a front would forward for it, and a
	// check it cannot carry is not applicable (ErrNotOverUwsgi).
	Uwsgi bool
	// FrontFields names the request fields the front adds to every request it forwards
	// (X-Forwarded-For, Via, ...): judges do not take them for the server's invention.
	FrontFields []string
	seq         atomic.Uint64
}

// NewTarget returns a target for host:port.
func NewTarget(addr string) *Target { return &Target{Addr: addr} }

func (t *Target) host() string {
	if t.Host != "" {
		return t.Host
	}
	if h, _, err := net.SplitHostPort(t.Addr); err == nil && t.ServerPort > 0 {
		return net.JoinHostPort(h, strconv.Itoa(t.ServerPort))
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
	var u *uwsgiRequest
	if t.Uwsgi {
		var err error
		if u, err = readUwsgiRequest(s); err != nil {
			return nil, err
		}
	}
	if slack := t.slack(); slack > 0 {
		s.IdleTimeout = orDefault(s.IdleTimeout, wire.DefaultIdleTimeout) + slack
		s.Deadline = orDefault(s.Deadline, wire.DefaultDeadline) + slack
	}
	if c := claimOf(ctx); c != nil {
		// Under Run's schedule a connection awaiting answers holds one of the requests the
		// target serves at once; once answered it only lingers, and gives that back.
		done, err := c.take(ctx)
		if err != nil {
			return nil, err
		}
		defer done(false)
		answered := s.Answered
		s.Answered = func() {
			done(true)
			if answered != nil {
				answered()
			}
		}
	}
	if u != nil {
		return t.doUwsgi(ctx, s, u)
	}
	s.TLS = t.TLS
	return wire.Do(ctx, t.Addr, s)
}

// dial opens a connection to the target, over TLS when it serves TLS, for a check that
// drives the connection itself.
func (t *Target) dial(ctx context.Context) (net.Conn, error) {
	if t.Uwsgi {
		return nil, notOverUwsgi("the check drives an HTTP connection itself, beyond one request")
	}
	if t.TLS {
		return wire.DialTLS(ctx, t.Addr, 0)
	}
	return wire.Dial(ctx, t.Addr, 0)
}

// rttSlack is how many round trips every timeout is lengthened by.
const rttSlack = 4

// slack is the latency allowance added to an exchange's timeouts: a few round trips, so
// it is nothing on a local target (a fraction of a millisecond) and keeps a remote one
// from being cut off by network latency. Delays, the stimulus of timing checks, are left
// as they are.
func (t *Target) slack() time.Duration { return rttSlack * t.RTT }

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
//
// It then calibrates: it makes CalibrationTrips more echo round trips (each on a fresh
// connection) and keeps their median on t.RTT.
func Preflight(ctx context.Context, t *Target) (*probes.Echo, error) {
	e, _, err := t.echo(ctx, 5*time.Second)
	if err != nil {
		return nil, err
	}
	rtt, err := t.Calibrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("calibrating the round trip to %s: %w", t.Addr, err)
	}
	t.RTT = rtt
	return e, nil
}

// CalibrationTrips is how many echo round trips Calibrate measures.
const CalibrationTrips = 5

// Calibrate measures CalibrationTrips echo round trips, each on a fresh connection from
// dial to the complete response, and returns their median. It does not set t.RTT.
func (t *Target) Calibrate(ctx context.Context) (time.Duration, error) {
	trips := make([]time.Duration, 0, CalibrationTrips)
	for i := 0; i < CalibrationTrips; i++ {
		_, d, err := t.echo(ctx, 5*time.Second)
		if err != nil {
			return 0, err
		}
		trips = append(trips, d)
	}
	sort.Slice(trips, func(i, j int) bool { return trips[i] < trips[j] })
	return trips[len(trips)/2], nil
}

// echo makes one echo round trip on a fresh connection and returns the decoded echo and
// how long the round trip took, dial included.
func (t *Target) echo(ctx context.Context, idle time.Duration) (*probes.Echo, time.Duration, error) {
	start := time.Now()
	x, err := t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: t.get(probes.Prefix + "echo")}}, Responses: 1, IdleTimeout: idle})
	// A front may fail a request on an upstream connection the server had just closed
	// (Apache before uWSGI's --http-socket): a gateway error there is tried again.
	for retry := 0; retry < 2 && t.Front != "" && err == nil && len(x.Responses) > 0 && gatewayError(x.Responses[0].Status); retry++ {
		start = time.Now()
		x, err = t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: t.get(probes.Prefix + "echo")}}, Responses: 1, IdleTimeout: idle})
	}
	took := time.Since(start)
	if err != nil {
		return nil, took, err
	}
	if len(x.Responses) == 0 {
		if x.Garbage != "" {
			return nil, took, fmt.Errorf("%w: %s answered something that is not HTTP/1.x (%s)", ErrNotProbe, t.Addr, x.Garbage)
		}
		return nil, took, fmt.Errorf("%w: %s accepted the connection but sent no response (%s)", ErrNotProbe, t.Addr, x.End)
	}
	r := x.Responses[0]
	if r.Status != 200 {
		return nil, took, fmt.Errorf("%w: GET %secho answered %d %s; is the server running probe.py ('conform probe --write DIR')?", ErrNotProbe, probes.Prefix, r.Status, r.Reason)
	}
	e, err := probes.Decode(r.Body)
	if err != nil {
		return nil, took, fmt.Errorf("%w: %v", ErrNotProbe, err)
	}
	return e, took, nil
}

// gatewayError is a status a front sends when the server behind it failed it.
func gatewayError(status int) bool { return status == 502 || status == 503 || status == 504 }

// livenessTimeout bounds one liveness probe's wait for the echo: generous, because a
// server that is merely slow (a worker being respawned, a single thread finishing the
// previous check's connection) must not be declared dead.
const livenessTimeout = 5 * time.Second

// Alive probes whether the target still serves: a TCP connect and an echo request, tried
// twice. Any HTTP response counts as alive, except, behind a front, the front's own
// gateway errors; it returns why not otherwise.
func (t *Target) Alive(ctx context.Context) error {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(t.dur(200 * time.Millisecond)):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		var x *wire.Exchange
		x, err = t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: t.get(probes.Prefix + "echo")}}, Responses: 1, IdleTimeout: livenessTimeout})
		if err == nil && len(x.Responses) > 0 {
			if r := x.Responses[0]; t.Front == "" || !gatewayError(r.Status) {
				return nil
			}
			err = fmt.Errorf("%s answered %d %s: the server behind it does not answer", t.Front, x.Responses[0].Status, x.Responses[0].Reason)
			continue
		}
		if err == nil {
			err = fmt.Errorf("%s accepted a connection but answered no request (%s)", t.Addr, x.End)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return err
}

// ScaleDuration stretches d by the target's timing scale.
func (t *Target) ScaleDuration(d time.Duration) time.Duration { return t.dur(d) }
