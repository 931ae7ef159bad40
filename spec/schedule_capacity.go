package spec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// Capacity is how many requests a target serves at once, as the probe saw them: requests
// sent together to an app that sleeps, and the spans the probe's clock gave each.
type Capacity struct {
	// Concurrent is the most requests that were inside the app at one moment.
	Concurrent int
	// Sent is how many requests the last round sent; when Concurrent is below it, the
	// server held the rest back and Concurrent is its limit, otherwise the limit is at
	// least Concurrent.
	Sent int
	// Processes is how many processes served the requests; PerProcess the most one
	// process had in the app at one moment.
	Processes, PerProcess int
	// KeptAlive is how many idle connections the server kept open for another request
	// when asked on Tried connections one after another: 0 for a server that closes every
	// connection, Tried for one that kept them all.
	KeptAlive, Tried int
}

// Bounded says the server held requests back: Concurrent is all it serves at once.
func (c Capacity) Bounded() bool { return c.Concurrent < c.Sent }

// KeepAliveBounded says the server stopped keeping connections open beyond KeptAlive of
// them: past that, it answers differently (Connection: close), whoever holds the others.
func (c Capacity) KeepAliveBounded() bool { return c.KeptAlive > 0 && c.KeptAlive < c.Tried }

func (c Capacity) String() string {
	at := "at least "
	if c.Bounded() {
		at = ""
	}
	s := fmt.Sprintf("%s%d at once (%d process(es), at most %d in one)", at, c.Concurrent, c.Processes, c.PerProcess)
	switch {
	case c.KeepAliveBounded():
		s += fmt.Sprintf(", keeps %d idle connections", c.KeptAlive)
	case c.KeptAlive == 0 && c.Tried > 0:
		s += ", keeps no connection open"
	}
	return s
}

// capacitySleep is how long each request of the capacity measurement stays in the app. Two
// requests sent together reach a server within a few round trips of each other; 50ms is
// many times that on a local target, so requests served together overlap in the probe's
// clock and requests served one after another do not. RTT-based slack covers a remote one.
const capacitySleep = 50 * time.Millisecond

// capacityGrowth is the factor between rounds: a round ends the measurement as soon as the
// server serves fewer than were sent, so at most one round queues requests.
const capacityGrowth = 4

// MeasureCapacity finds how many requests the target serves at once, up to most: rounds of
// 2, 8, 32... requests sent together to the probe's sleep scenario, until the server holds
// some back or most were sent. The requests are plain GETs a server answers whatever its
// verdicts, and the measurement takes a few tenths of a second on a local target.
//
// It first counts the idle connections the server keeps open (up to most, one after
// another): a server that stops keeping them past a limit (cheroot: 10) answers a check
// differently when other checks' connections are open, so no more may be.
func MeasureCapacity(ctx context.Context, t *Target, most int) (Capacity, error) {
	most = max(most, 1)
	kept, err := keptAlive(ctx, t, most)
	if err != nil {
		return Capacity{}, fmt.Errorf("measuring how many connections %s keeps open: %w", t.Addr, err)
	}
	for n := min(2, most); ; n = min(n*capacityGrowth, most) {
		c, err := sleepRound(ctx, t, n, t.dur(capacitySleep))
		if err == nil && c.Concurrent == 1 {
			// One at a time, or the second worker only late to run (a process slow to wake
			// on a busy machine)? Once more with a longer sleep; what ran at once did, so
			// the larger count stands.
			var again Capacity
			if again, err = sleepRound(ctx, t, n, capacityRetry*t.dur(capacitySleep)); again.Concurrent > c.Concurrent {
				c = again
			}
		}
		if err != nil {
			return Capacity{}, fmt.Errorf("measuring how many requests %s serves at once: %w", t.Addr, err)
		}
		c.KeptAlive, c.Tried = kept, most
		if c.Bounded() || n == most {
			return c, nil
		}
	}
}

// capacityRetry stretches the sleep of a round that found one request at a time, when it
// measures again.
const capacityRetry = 4

// sleepRound sends n requests sleeping for sleep together and counts what ran at once.
func sleepRound(ctx context.Context, t *Target, n int, sleep time.Duration) (Capacity, error) {
	spans, err := sleepSpans(ctx, t, n, sleep)
	if err != nil {
		return Capacity{}, err
	}
	c := capacityOf(spans)
	c.Sent = n
	return c, nil
}

// keptAlive opens connections one after another, up to most, each with one request left
// open after its answer, and counts those the server said it keeps for another request;
// it stops at the first it does not keep.
func keptAlive(ctx context.Context, t *Target, most int) (int, error) {
	if t.Uwsgi {
		// A uwsgi connection carries one request and is closed after its answer.
		return 0, nil
	}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < most; i++ {
		c, err := t.dial(ctx)
		if err != nil {
			return 0, err
		}
		conns = append(conns, c)
		if keep, err := keepsAlive(ctx, t, c); err != nil || !keep {
			return i, err
		}
	}
	return most, nil
}

// keepAliveHeadMax bounds the response head keepsAlive reads.
const keepAliveHeadMax = 64 << 10

// keepsAlive asks for one small response on c and says whether the server keeps the
// connection for another request: HTTP/1.1 without "close", or HTTP/1.0 with
// "keep-alive". A connection closed before the head ends is not kept.
func keepsAlive(ctx context.Context, t *Target, c net.Conn) (bool, error) {
	deadline := time.Now().Add(t.dur(livenessTimeout) + t.slack())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.SetDeadline(deadline)
	if _, err := c.Write(t.get(probes.Prefix + "status?code=200&body=ok")); err != nil {
		return false, nil
	}
	var head []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(head, []byte("\r\n\r\n")) {
		if len(head) > keepAliveHeadMax {
			return false, fmt.Errorf("a response head longer than %d bytes", keepAliveHeadMax)
		}
		n, err := c.Read(buf)
		head = append(head, buf[:n]...)
		if err != nil {
			if errors.Is(err, io.EOF) || !isTimeout(err) {
				return false, nil
			}
			return false, fmt.Errorf("no response within %v", time.Until(deadline).Round(time.Millisecond))
		}
	}
	lines := strings.Split(string(head[:bytes.Index(head, []byte("\r\n\r\n"))]), "\r\n")
	var connection []string
	for _, l := range lines[1:] {
		if name, value, ok := strings.Cut(l, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "Connection") {
			connection = append(connection, value)
		}
	}
	v := strings.Join(connection, ",")
	if strings.HasPrefix(lines[0], "HTTP/1.1 ") {
		return !hasToken(v, "close"), nil
	}
	return hasToken(v, "keep-alive"), nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// span is when a request was in the app, by the probe's clock, and which process ran it.
type span struct {
	pid      int
	from, to float64
}

// sleepSpans sends n requests sleeping for sleep together and returns their spans.
func sleepSpans(ctx context.Context, t *Target, n int, sleep time.Duration) ([]span, error) {
	labels := make([]string, n)
	offsets := make([]time.Duration, n)
	scripts := make([]wire.Script, n)
	for i := range scripts {
		labels[i] = fmt.Sprintf("sleep-%d", i+1)
		// A server that runs them one at a time answers the last after n sleeps.
		idle := time.Duration(n)*sleep + 5*time.Second
		scripts[i] = wire.Script{Steps: []wire.Step{{Data: t.get(fmt.Sprintf("%ssleep?ms=%d", probes.Prefix, sleep.Milliseconds()), "Connection: close")}}, Responses: 1, IdleTimeout: idle, Deadline: idle + 5*time.Second}
	}
	o, err := parallel(ctx, t, labels, offsets, scripts)
	if err != nil {
		return nil, err
	}
	spans := make([]span, n)
	for i := range o.Conns {
		e, _, err := o.Echo(i, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Conns[i].Label, err)
		}
		spans[i] = span{pid: e.PID, from: e.TStart, to: e.TEnd}
	}
	return spans, nil
}

// capacityOf counts the most spans open at one moment, over all and per process.
func capacityOf(spans []span) Capacity {
	c := Capacity{Concurrent: mostOpen(spans)}
	byPID := map[int][]span{}
	for _, s := range spans {
		byPID[s.pid] = append(byPID[s.pid], s)
	}
	c.Processes = len(byPID)
	for _, ss := range byPID {
		c.PerProcess = max(c.PerProcess, mostOpen(ss))
	}
	return c
}

func mostOpen(spans []span) int {
	type edge struct {
		at   float64
		open int
	}
	var edges []edge
	for _, s := range spans {
		edges = append(edges, edge{s.from, 1}, edge{s.to, -1})
	}
	// At equal times a span ends before the next begins: back to back is not at once.
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at != edges[j].at {
			return edges[i].at < edges[j].at
		}
		return edges[i].open < edges[j].open
	})
	open, most := 0, 0
	for _, e := range edges {
		open += e.open
		most = max(most, open)
	}
	return most
}

// MaxJobs is the most checks Run is ever asked to run at once: far more than the waits of
// a catalog need to overlap on a target that serves everything at once.
const MaxJobs = 32

// jobsPerCPU bounds the checks in flight by the machine: a check in flight spends nearly
// all its time waiting, and a local Python server needs about a millisecond of CPU per
// request, so 16 checks per core leave the machine (and the timing of what it serves) far
// from busy.
const jobsPerCPU = 16

// JobsCeiling is the most checks DefaultJobs runs at once on a machine with cpus cores.
func JobsCeiling(cpus int) int { return min(MaxJobs, jobsPerCPU*max(cpus, 1)) }

// lingerers is how many checks may be in flight for each request awaiting an answer: a
// check that has its answers and only watches the connection (whether the server closes
// it, or sends more than it should) costs the server an idle connection, not a worker.
const lingerers = 4

// DefaultJobs is how many checks to run at once (jobs), and how many of their requests
// may await answers at once, against a target of the given capacity from a machine with
// cpus cores. Requests never outnumber what the target serves at once, so none waits
// behind another check's. A server of several processes that each serve several requests
// may accept more connections in one process than it has threads there while another
// process idles (gunicorn's gthread workers do), so only what one process serves is safe
// there; a process that serves one request at a time accepts only when it is free, so all
// of them count.
//
// Checks in flight hold a connection each. A server that keeps only so many idle
// connections open (KeepAliveBounded) answers "Connection: close" past them, so at most
// half of them are in flight: the other half covers connections conform closed that the
// server has not yet seen close.
func DefaultJobs(c Capacity, cpus int) (jobs, requests int) {
	requests = c.Concurrent
	if c.Bounded() && c.Processes > 1 && c.PerProcess > 1 {
		requests = c.PerProcess
	}
	ceiling := JobsCeiling(cpus)
	requests = max(1, min(requests, ceiling))
	jobs = min(ceiling, lingerers*requests)
	if c.KeepAliveBounded() {
		jobs = max(1, min(jobs, c.KeptAlive/2))
		requests = min(requests, jobs)
	}
	return jobs, requests
}
