package main

import (
	"context"
	"regexp"
	"time"

	"github.com/conform-wsgi/conform/desync"
	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/reports"
)

// desyncBytes is how much of an upstream connection's bytes a desync keeps in the report.
const desyncBytes = 64 << 10

var conformID = regexp.MustCompile(`(?i)\r?\nX-Conform-Id:[ \t]*([A-Za-z0-9_.-]+)`)

// desyncsOverUwsgi is why a stack whose front speaks uwsgi to the server is not judged:
// the desync judge counts the HTTP requests in what the front forwarded.
const desyncsOverUwsgi = "the front speaks the uwsgi protocol to the server, whose packets are length-prefixed (a 4-byte header giving the size of the vars, then CONTENT_LENGTH bytes of body, one request per connection): the server reads no HTTP framing the front and it could disagree on, and the judge, which counts HTTP requests, has none to count"

// judgeStack stops the front of a stack, so each upstream connection ends whole, and puts
// into the report every one on which the server read a request the front never sent.
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
		for _, m := range conformID.FindAllSubmatch(c.Forwarded, -1) {
			if id := owner[string(m[1])]; id != "" && !seen[id] {
				seen[id] = true
				d.Checks = append(d.Checks, id)
			}
		}
		rep.Desyncs = append(rep.Desyncs, d)
	}
}

// checksByRequestID maps each X-Conform-Id a check's requests carried to the check.
func checksByRequestID(rep *reports.Report) map[string]string {
	out := map[string]string{}
	for _, r := range rep.Results {
		for _, e := range r.Evidence {
			for _, m := range conformID.FindAllSubmatch(e.Request, -1) {
				out[string(m[1])] = r.ID
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
