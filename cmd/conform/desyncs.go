package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/conform-wsgi/conform/desync"
	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/internal/relay"
	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/reports"
)

// desyncBytes is how much of an upstream connection's bytes a desync keeps in the report.
const desyncBytes = 64 << 10

// desyncsOverUwsgi is why a stack whose front speaks uwsgi to the server is not judged:
// the desync judge counts the HTTP requests in what the front forwarded.
const desyncsOverUwsgi = "the front speaks the uwsgi protocol to the server, whose packets are length-prefixed (a 4-byte header giving the size of the vars, then CONTENT_LENGTH bytes of body, one request per connection): the server reads no HTTP framing the front and it could disagree on, and the judge, which counts HTTP requests, has none to count"

// judgeStack stops the front of a stack, so each upstream connection ends whole, and puts
// into the report every one on which the server read a request the front never sent; then
// it tries the smuggling attacks through the stack.
func judgeStack(in *harness.Instance, rep *reports.Report) {
	if in.Front == nil || in.Relay == nil {
		return
	}
	if in.Uwsgi {
		rep.DesyncsNotJudged = desyncsOverUwsgi
		return
	}
	in.Front.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	in.Relay.Settle(ctx)
	owner := checksByRequestID(rep)
	for _, c := range in.Relay.Conns() {
		v := desync.Judge(c)
		if !v.Desync {
			continue
		}
		d := reports.Desync{Conn: v.Conn, Meant: v.Meant, Served: v.Served, Why: v.Why,
			Forwarded: capBytes(c.Forwarded, desyncBytes), Returned: capBytes(c.Returned, desyncBytes)}
		seen := map[string]bool{}
		for _, rid := range probes.RequestIDs(c.Forwarded) {
			if id := owner[rid]; id != "" && !seen[id] {
				seen[id] = true
				d.Checks = append(d.Checks, id)
			}
		}
		rep.Desyncs = append(rep.Desyncs, d)
	}
	attackStack(in, rep)
}

// attackStack tries each attack of package desync through the stack, as an attacker and
// then a second client would, and records in rep what each came to; a confirmed one is a
// desync.
//
// Each attack goes through a fresh front of the same kind: the run's own front holds dozens
// of idle upstream connections by now, and the second client's requests would rarely land
// on the one the attack poisoned.
func attackStack(in *harness.Instance, rep *reports.Report) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	token := strconv.FormatInt(time.Now().UnixNano(), 36)
	var confirmed []desync.Confirmation
	for _, a := range desync.Attacks(in.Front.Addr, token) {
		c, err := attackThrough(ctx, in, a)
		if err != nil {
			c.Why = "not tried: " + err.Error()
		}
		rep.Attacks = append(rep.Attacks, reports.AttackResult{Name: a.Name, Confirmed: c.Confirmed, Why: c.Why})
		if c.Confirmed {
			confirmed = append(confirmed, c)
		}
	}
	in.Relay.Settle(ctx)
	for _, c := range confirmed {
		rep.Desyncs = append(rep.Desyncs, confirmedDesync(in.Relay.Conns(), c))
	}
}

// attackThrough starts a fresh front like in's before in's relay and sends a through it.
func attackThrough(ctx context.Context, in *harness.Instance, a desync.Attack) (desync.Confirmation, error) {
	front, err := harness.StartFront(ctx, in.Front.Server, in.Relay.Addr(), harness.Options{FrontConfig: in.Front.Template})
	if err != nil {
		return desync.Confirmation{Attack: a.Name}, fmt.Errorf("starting a fresh front: %w", err)
	}
	defer front.Stop()
	return desync.Confirm(ctx, front.Addr, a)
}

// confirmedDesync reports a confirmed attack with the upstream connection it travelled on.
func confirmedDesync(conns []relay.Conn, c desync.Confirmation) reports.Desync {
	d := reports.Desync{Why: c.Why, Attack: c.Attack, Confirmed: true,
		Sent: capBytes(c.Sent, desyncBytes), Victim: capBytes(c.Victim, desyncBytes)}
	line, _, _ := bytes.Cut(c.Sent, []byte("\r\n"))
	for _, rc := range conns {
		if bytes.Contains(rc.Forwarded, line) {
			d.Conn = rc.ID
			d.Forwarded, d.Returned = capBytes(rc.Forwarded, desyncBytes), capBytes(rc.Returned, desyncBytes)
			break
		}
	}
	return d
}

// checksByRequestID maps each X-Conform-Id a check's requests carried to the check.
func checksByRequestID(rep *reports.Report) map[string]string {
	out := map[string]string{}
	for _, r := range rep.Results {
		for _, e := range r.Evidence {
			for _, rid := range probes.RequestIDs(e.Request) {
				out[rid] = r.ID
			}
		}
	}
	return out
}

func capBytes(b []byte, n int) []byte {
	if len(b) > n {
		b = b[:n]
	}
	return append([]byte(nil), b...)
}
