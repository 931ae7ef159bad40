package spec

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// Concurrency is not something PEP 3333 requires; it is what operators need to know, and
// what wsgi.multithread / wsgi.multiprocess promise. The observation checks are MAY-level
// (info); the truthfulness of the two flags is a SHOULD.

const blockers = 4

// blockFor is how long each of the blocking requests sleeps in the app. With two workers
// the four requests take two rounds, and the effective concurrency of 2 stays above the
// 1.5 threshold while the rounds' overhead (dial, request, response: a round trip each,
// and the scheduling jitter of a busy machine) stays under two thirds of the sleep: 200ms
// leaves tens of times that overhead on a local target, and ten round trips a remote one.
func blockFor(t *Target) time.Duration { return t.dur(200*time.Millisecond) + 10*t.RTT }

// blockingRequests sends `blockers` requests at once to an app that blocks in time.sleep.
// The checks of a run that judge it share one measurement per trial.
func blockingRequests(ctx context.Context, t *Target) (*Observation, error) {
	return sharedObservation(ctx, t, "blocking-requests", measureBlocking)
}

func measureBlocking(ctx context.Context, t *Target) (*Observation, error) {
	block := blockFor(t)
	labels := make([]string, blockers)
	offsets := make([]time.Duration, blockers)
	scripts := make([]wire.Script, blockers)
	for i := range scripts {
		labels[i] = fmt.Sprintf("blocking-%d", i+1)
		scripts[i] = wire.Script{Steps: []wire.Step{{Data: t.get(fmt.Sprintf("%ssleep?ms=%d", probes.Prefix, block.Milliseconds()), "Connection: close")}}, Responses: 1, IdleTimeout: 10 * time.Second, Deadline: 20 * time.Second}
	}
	o, err := parallel(ctx, t, labels, offsets, scripts)
	if err != nil {
		return nil, err
	}
	o.Values["block_ms"] = float64(block.Milliseconds())
	return o, nil
}

// sendAfter is how long after a request that holds the server conform sends the next one
// to it: the first must be inside the app (or stalled in the server) by then, which takes
// a round trip and a few milliseconds of Python; 100ms is tens of times that locally.
func sendAfter(t *Target) time.Duration { return 100*time.Millisecond + 4*t.RTT }

// freshBlockFor is how long the blocking request of fresh-request-while-blocked sleeps:
// the fresh request, sent sendAfter later, must be served inside it, which takes a round
// trip; 300ms more than sendAfter absorbs a busy machine's scheduling jitter many times.
func freshBlockFor(t *Target) time.Duration { return t.dur(400*time.Millisecond) + 10*t.RTT }

// stallFor is how long a slow client pauses mid-request. Another client, sent sendAfter
// later, must be answered within 14/15 of it on a server that isolates clients; it takes a
// round trip, so 500ms leaves a busy machine ample room, and a server that serves one
// client at a time answers only after the whole stall.
func stallFor(t *Target) time.Duration { return 500*time.Millisecond + 10*t.RTT }

// served is one echo of a concurrency observation with the times the client saw.
type served struct {
	e        *probes.Echo
	doneAt   time.Duration
	conn     int
	pid      int
	thread   int64
	from, to float64
}

func servedEchoes(o *Observation) ([]served, error) {
	var out []served
	for i, c := range o.Conns {
		e, r, err := o.Echo(i, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", c.Label, err)
		}
		out = append(out, served{e: e, doneAt: c.At + r.EndAt, conn: i, pid: e.PID, thread: e.Thread, from: e.TStart, to: e.TEnd})
	}
	return out, nil
}

// effectiveConcurrency is total blocking time divided by the span the client waited.
func effectiveConcurrency(o *Observation, s []served) float64 {
	var span time.Duration
	for _, x := range s {
		if x.doneAt > span {
			span = x.doneAt
		}
	}
	if span <= 0 {
		return 0
	}
	total := time.Duration(o.Values["block_ms"]) * time.Millisecond * time.Duration(len(s))
	return float64(total) / float64(span)
}

func overlaps(a, b served) bool { return a.from < b.to && b.from < a.to }

func flag(e *probes.Echo, key string) (bool, bool) {
	v, ok := e.Env(key)
	if !ok {
		return false, false
	}
	switch v.Value {
	case "True", "1":
		return true, true
	case "False", "0", "None", "":
		return false, true
	}
	return true, true
}

func init() {
	register(&Check{
		ID:    "conform/concurrency/blocking-capacity",
		Title: "requests to a blocking application are served concurrently",
		Ref:   Ref{"conform", "concurrency"}, Level: May, Area: "concurrency", Timing: true,
		Quote:   "This value should evaluate true if the application object may be simultaneously invoked by another thread in the same process, and should evaluate false otherwise.",
		Observe: blockingRequests,
		Judge: func(o *Observation) Verdict {
			s, err := servedEchoes(o)
			if err != nil {
				return inconclusive("%v", err)
			}
			c := effectiveConcurrency(o, s)
			pids, threads := map[int]bool{}, map[string]bool{}
			for _, x := range s {
				pids[x.pid] = true
				threads[fmt.Sprintf("%d/%d", x.pid, x.thread)] = true
			}
			msg := fmt.Sprintf("%d requests blocking %gms each: effective concurrency %.1f (%d process(es), %d thread(s))", len(s), o.Values["block_ms"], c, len(pids), len(threads))
			// Load only stretches the span the blocks are spread over: a high effective
			// concurrency is proof, a low one may be the machine.
			v := conforms("%s", msg).proven()
			if c < 1.5 {
				v = violates("%s: one blocked request holds up every other", msg)
			}
			v.Concurrency = &Concurrency{Effective: c, Processes: len(pids), Threads: len(threads)}
			return v
		},
	})

	register(&Check{
		ID:    "conform/concurrency/fresh-request-while-blocked",
		Title: "a new request is served while another blocks in the application",
		Ref:   Ref{"conform", "concurrency"}, Level: May, Area: "concurrency", Timing: true,
		Quote: "This value should evaluate true if the application object may be simultaneously invoked by another thread in the same process, and should evaluate false otherwise.",
		Observe: func(ctx context.Context, t *Target) (*Observation, error) {
			long, after := freshBlockFor(t), sendAfter(t)
			o, err := parallel(ctx, t, []string{"blocking", "fresh"}, []time.Duration{0, after}, []wire.Script{
				{Steps: []wire.Step{{Data: t.get(fmt.Sprintf("%ssleep?ms=%d", probes.Prefix, long.Milliseconds()), "Connection: close")}}, Responses: 1, IdleTimeout: 10 * time.Second},
				{Steps: []wire.Step{{Data: t.get("/fresh", "Connection: close")}}, Responses: 1, IdleTimeout: 10 * time.Second},
			})
			if err == nil {
				o.Values["block_ms"] = float64(long.Milliseconds())
				o.Values["after_ms"] = float64(t.dur(after).Milliseconds())
			}
			return o, err
		},
		Judge: func(o *Observation) Verdict {
			s, err := servedEchoes(o)
			if err != nil {
				return inconclusive("%v", err)
			}
			// The probe's timestamps come from one clock on the server host, so whether the
			// fresh request ran inside the blocking one's span does not hinge on dial latency.
			blocking, fresh := s[0], s[1]
			if fresh.to >= blocking.to || fresh.from >= blocking.to {
				return violates("a plain GET sent %s after a request that blocks %s ran in the app only after it had finished (%.0fms later): one slow request stalls the server", msValue(o, "after_ms", 200), msValue(o, "block_ms", 1200), (fresh.from-blocking.to)*1000)
			}
			// Both times come from the server's clock: no load on either side can make a
			// serialising server run the fresh request inside the blocking one's span.
			return conforms("served %.0fms before the blocking request finished", (blocking.to-fresh.to)*1000).proven()
		},
	})

	stall := func(id, title, kind string) *Check {
		return &Check{
			ID: id, Title: title, Ref: Ref{"conform", "concurrency"}, Level: May, Area: "concurrency", Timing: true,
			Quote: "A server that receives an incomplete request message, usually due to a canceled request or a triggered timeout exception, MAY send an error response prior to closing the connection.",
			Observe: func(ctx context.Context, t *Target) (*Observation, error) {
				stall := stallFor(t)
				o, err := stallObserve(ctx, t, kind, stall)
				if err == nil {
					// The stall stretches with --timeout-scale; the threshold must follow it.
					o.Values["stall_ms"] = float64(t.dur(stall).Milliseconds())
				}
				return o, err
			},
			Judge: func(o *Observation) Verdict {
				other := o.Response(1, 0)
				if other == nil {
					return inconclusive("the other client got no response (%s)", o.ending(1))
				}
				done := o.Conns[1].At + other.EndAt
				stall := 1500 * time.Millisecond
				if ms := o.Values["stall_ms"]; ms > 0 {
					stall = time.Duration(ms) * time.Millisecond
				}
				if done >= stall-stall/15 {
					return violates("while one client stalled mid-request for %v, another client's GET was answered only after %v: a handful of slow clients (slowloris) can take the server down", stall, done.Round(time.Millisecond))
				}
				// The stalled client had not yet sent the rest of its request: a server serving
				// one request at a time cannot have answered the other one yet, however slow.
				return conforms("the other client was answered after %v", done.Round(time.Millisecond)).proven()
			},
		}
	}
	register(stall("conform/concurrency/slow-headers-isolated", "a client stalling in its header section does not block other clients", "headers"))
	register(stall("conform/concurrency/slow-body-isolated", "a client stalling in its request body does not block other clients", "body"))

	register(&Check{
		ID:    "pep3333/environ/multithread-truthful",
		Title: "wsgi.multithread matches what was observed",
		Ref:   pepEnviron, Level: Should, Area: "concurrency", Timing: true,
		Quote:   "This value should evaluate true if the application object may be simultaneously invoked by another thread in the same process, and should evaluate false otherwise.",
		Observe: blockingRequests,
		Judge: func(o *Observation) Verdict {
			s, err := servedEchoes(o)
			if err != nil {
				return inconclusive("%v", err)
			}
			claimed, ok := flag(s[0].e, "wsgi.multithread")
			if !ok {
				return inconclusive("wsgi.multithread is absent")
			}
			for i := range s {
				for j := i + 1; j < len(s); j++ {
					a, b := s[i], s[j]
					if a.pid == b.pid && a.thread != b.thread && overlaps(a, b) && !claimed {
						return violates("wsgi.multithread is False, yet two requests ran in the app at the same time in process %d on threads %d and %d: apps that trust the flag skip locking", a.pid, a.thread, b.thread).with("wsgi.multithread")
					}
				}
			}
			if claimed && serialisedOnOneThread(s) {
				return violates("wsgi.multithread is True, yet %d requests blocking at once ran one after another on one thread: the flag promises concurrency the server does not deliver", len(s)).with("wsgi.multithread")
			}
			return conforms("wsgi.multithread=%v agrees with what was observed", claimed)
		},
	})

	register(&Check{
		ID:    "pep3333/environ/multiprocess-truthful",
		Title: "wsgi.multiprocess matches what was observed",
		Ref:   pepEnviron, Level: Should, Area: "concurrency", Timing: true,
		Quote:   "This value should evaluate true if an equivalent application object may be simultaneously invoked by another process, and should evaluate false otherwise.",
		Observe: blockingRequests,
		Judge: func(o *Observation) Verdict {
			s, err := servedEchoes(o)
			if err != nil {
				return inconclusive("%v", err)
			}
			claimed, ok := flag(s[0].e, "wsgi.multiprocess")
			if !ok {
				return inconclusive("wsgi.multiprocess is absent")
			}
			for i := range s {
				for j := i + 1; j < len(s); j++ {
					if a, b := s[i], s[j]; a.pid != b.pid && overlaps(a, b) && !claimed {
						return violates("wsgi.multiprocess is False, yet requests ran at the same time in processes %d and %d: apps that keep state in process memory will see it split", a.pid, b.pid).with("wsgi.multiprocess")
					}
				}
			}
			return conforms("wsgi.multiprocess=%v agrees with what was observed", claimed)
		},
	})
}

// serialisedOnOneThread says the blocking requests all ran on one thread of one process,
// none overlapping another.
func serialisedOnOneThread(s []served) bool {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[i].pid != s[j].pid || s[i].thread != s[j].thread || overlaps(s[i], s[j]) {
				return false
			}
		}
	}
	return len(s) > 1
}

// stallObserve runs a client that stalls mid-request for stall and another that sends a
// plain GET sendAfter later. Once the other client is answered the verdict is known, so the
// stalled client is cancelled there instead of waiting out its stall.
func stallObserve(ctx context.Context, t *Target, kind string, stall time.Duration) (*Observation, error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	var stalled *wire.Exchange
	var stalledErr error
	cancelled := false
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		stalled, stalledErr = t.Do(sctx, wire.Script{Steps: stallSteps(t.get("/slow-client"), kind, stall), Responses: 1, IdleTimeout: 10 * time.Second})
		cancelled = sctx.Err() != nil
	}()
	select {
	case <-time.After(t.dur(sendAfter(t))):
	case <-ctx.Done():
		cancel()
		wg.Wait()
		return nil, ctx.Err()
	}
	at := time.Since(start)
	other, err := t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: t.get("/other", "Connection: close")}}, Responses: 1, IdleTimeout: 10 * time.Second})
	cancel()
	wg.Wait()
	switch {
	case stalledErr != nil && !cancelled:
		return nil, stalledErr
	case err != nil:
		return nil, err
	}
	o := &Observation{Conns: []*Conn{{Label: "stalled client", Exchange: stalled}, {Label: "other client", At: at, Exchange: other}}, Values: map[string]float64{}}
	if stalled == nil {
		o.Conns[0].Label = "stalled client (cancelled before it connected)"
	}
	return o, nil
}

// stallSteps cuts a built GET where a slow client stops, inside the header section or (kind
// "body") as a POST after the head and two of its ten body bytes, and sends the rest after
// stall.
func stallSteps(head []byte, kind string, stall time.Duration) []wire.Step {
	var first, rest []byte
	if kind == "headers" {
		i := strings.Index(string(head), "\r\n") + 2
		first, rest = head[:i], head[i:]
	} else {
		first, rest = append(postHead(head), "ab"...), []byte("cdefghij")
	}
	return []wire.Step{{Data: first}, {Data: rest, Delay: stall}}
}

// postHead turns a built GET head into a POST head with a 10-byte Content-Length.
func postHead(head []byte) []byte {
	s := strings.Replace(string(head), "GET ", "POST ", 1)
	s = strings.TrimSuffix(s, "\r\n") + "Content-Length: 10\r\n\r\n"
	return []byte(s)
}

// msValue shows an observation's recorded duration in milliseconds, or def when an older
// observation did not record it.
func msValue(o *Observation, key string, def float64) time.Duration {
	ms := o.Values[key]
	if ms <= 0 {
		ms = def
	}
	return time.Duration(ms) * time.Millisecond
}
