package spec

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// dyingProxy relays connections to a target and plays a server with a fatal request: a
// request for /__die__ takes the whole server down (listener and every connection), one
// for /__crash__ resets the connections beside it, as a worker process that crashes takes
// its other clients along, and keeps serving.
type dyingProxy struct {
	t      *testing.T
	to     string
	l      net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]bool
	dead   bool
	resets atomic.Int32 // connections reset by a crash
	sleeps atomic.Int32 // requests for the probe's sleep scenario
}

func startDyingProxy(t *testing.T, addr, to string) *dyingProxy {
	t.Helper()
	var l net.Listener
	var err error
	for i := 0; i < 100; i++ {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := &dyingProxy{t: t, to: to, l: l, conns: map[net.Conn]bool{}}
	t.Cleanup(p.die)
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.dead {
				p.mu.Unlock()
				in.Close()
				return
			}
			p.conns[in] = true
			p.mu.Unlock()
			go p.relay(in)
		}
	}()
	return p
}

func (p *dyingProxy) addr() string { return p.l.Addr().String() }

func (p *dyingProxy) relay(in net.Conn) {
	defer func() {
		p.mu.Lock()
		delete(p.conns, in)
		p.mu.Unlock()
		in.Close()
	}()
	out, err := net.DialTimeout("tcp", p.to, 3*time.Second)
	if err != nil {
		return
	}
	defer out.Close()
	in.SetDeadline(time.Now().Add(time.Minute))
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				if _, werr := in.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				in.(*net.TCPConn).CloseWrite()
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			switch {
			case bytes.Contains(buf[:n], []byte("/__die__")):
				p.awaitNeighbours()
				p.die()
				return
			case bytes.Contains(buf[:n], []byte("/__crash__")):
				p.crash(in)
				return
			}
			p.sleeps.Add(int32(bytes.Count(buf[:n], []byte("/__conform__/sleep?"))))
			if _, werr := out.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			out.(*net.TCPConn).CloseWrite()
			return
		}
	}
}

// die closes the listener and resets every connection.
func (p *dyingProxy) die() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dead = true
	p.l.Close()
	for c := range p.conns {
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}
}

// awaitNeighbours waits (a second at most) until other connections are open beside the
// fatal one, so the death or crash hits checks in flight.
func (p *dyingProxy) awaitNeighbours() {
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		p.mu.Lock()
		n := len(p.conns)
		p.mu.Unlock()
		if n >= 4 {
			return
		}
	}
}

// crash resets every connection, its own included, and keeps serving.
func (p *dyingProxy) crash(self net.Conn) {
	p.awaitNeighbours()
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		if c != self {
			p.resets.Add(1)
		}
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}
}

// fatalCheck sends one request for path, which the dying proxy acts on.
func fatalCheck(id, path string) *Check {
	c := fakeCheck(id, "framing")
	c.Observe = func(ctx context.Context, t *Target) (*Observation, error) {
		// Longer than the proxy waits for neighbours: the request's own connection must be
		// the one the death or crash cuts.
		x, err := t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: t.get(path)}}, Responses: 1, IdleTimeout: 3 * time.Second})
		if err != nil {
			return nil, err
		}
		return &Observation{Conns: []*Conn{{Label: "request", Exchange: x}}}, nil
	}
	c.Judge = func(o *Observation) Verdict {
		if o.Response(0, 0) == nil {
			return violates("no answer (%s)", o.ending(0))
		}
		return conforms("answered")
	}
	return c
}

// proxiedCatalog starts the reference behind a dying proxy and returns a target for it, the
// checks that can share the target (NeedsTarget false) and their statuses run one at a time
// through it.
func proxiedCatalog(t *testing.T) (proxyAddr, refAddr string, target func() *Target, checks []*Check, want map[string]Status) {
	_, refAddr = startReference(t, "")
	_, port, _ := net.SplitHostPort(refAddr)
	p := startDyingProxy(t, "127.0.0.1:0", refAddr)
	proxyAddr = p.addr()
	target = func() *Target {
		tg := NewTarget(proxyAddr)
		tg.ServerPort, _ = strconv.Atoi(port)
		return tg
	}
	for _, c := range All() {
		if !c.NeedsTarget() && len(checks) < 40 {
			checks = append(checks, c)
		}
	}
	want = map[string]Status{}
	for _, r := range Run(context.Background(), target(), checks, RunOptions{Jobs: 1}) {
		want[r.Check.ID] = r.Status
	}
	return proxyAddr, refAddr, target, checks, want
}

func TestConcurrentDeathIsBlamedOnTheCheckThatKills(t *testing.T) {
	proxyAddr, refAddr, target, checks, want := proxiedCatalog(t)
	killer := fatalCheck("conform/test/killer", "/__die__")
	run := append(append(append([]*Check{}, checks[:20]...), killer), checks[20:]...)

	t.Run("revived", func(t *testing.T) {
		var revived atomic.Int32
		var order []string
		rs := Run(context.Background(), target(), run, RunOptions{
			Jobs: 8,
			Revive: func(ctx context.Context) error {
				revived.Add(1)
				startDyingProxy(t, proxyAddr, refAddr)
				return nil
			},
			Progress: func(done, total int, r *Result) { order = append(order, r.Check.ID) },
		})
		if got := ids(resultChecks(rs)); !reflect.DeepEqual(got, ids(Ordered(run))) {
			t.Fatalf("results out of catalog order: %v", got)
		}
		if len(order) != len(run) {
			t.Errorf("progress reported %d results, want %d", len(order), len(run))
		}
		// Once for the death among other checks, once when the killer, run again alone,
		// takes the target down again.
		if n := revived.Load(); n != 2 {
			t.Errorf("revived %d times, want 2", n)
		}
		for _, r := range rs {
			if r.Check == killer {
				if r.Status != Error || !strings.HasPrefix(r.Message, TargetDied+": the target stopped answering after this check") || !strings.Contains(r.Message, "conform restarted it") {
					t.Errorf("killer: %s %q", r.Status, r.Message)
				}
				continue
			}
			if r.Status != want[r.Check.ID] {
				t.Errorf("%s: %s %q, %s when run alone", r.Check.ID, r.Status, r.Message, want[r.Check.ID])
			}
		}
	})

	t.Run("not revived", func(t *testing.T) {
		startDyingProxy(t, proxyAddr, refAddr)
		rs := Run(context.Background(), target(), run, RunOptions{Jobs: 8})
		died, skipped := "", 0
		for _, r := range rs {
			switch {
			case r.Status == Error && strings.HasPrefix(r.Message, TargetDied+":"):
				if died != "" {
					t.Errorf("%s died too, after %s", r.Check.ID, died)
				}
				died = r.Check.ID
			case r.Status == Skip && strings.HasPrefix(r.Message, "not run: the target died during "):
				skipped++
			case r.Status != want[r.Check.ID]:
				t.Errorf("%s: %s %q, %s when run alone", r.Check.ID, r.Status, r.Message, want[r.Check.ID])
			}
		}
		if died == "" || skipped == 0 {
			t.Errorf("death on %q, %d checks skipped after it", died, skipped)
		}
	})
}

func TestChecksCutBesideACrashRunAgainAlone(t *testing.T) {
	_, _, target, checks, want := proxiedCatalog(t)
	crash := fatalCheck("conform/test/crash", "/__crash__")
	run := append(append(append([]*Check{}, checks[:20]...), crash), checks[20:]...)
	rs := Run(context.Background(), target(), run, RunOptions{Jobs: 8})
	for _, r := range rs {
		if r.Check == crash {
			// Alone, it resets only its own connection: no answer, and the target lives.
			if r.Status != Fail || strings.Contains(r.Message, TargetDied) {
				t.Errorf("crash: %s %q", r.Status, r.Message)
			}
			continue
		}
		if r.Status != want[r.Check.ID] {
			t.Errorf("%s: %s %q, %s when run alone", r.Check.ID, r.Status, r.Message, want[r.Check.ID])
		}
	}
}

func resultChecks(rs []*Result) []*Check {
	var out []*Check
	for _, r := range rs {
		out = append(out, r.Check)
	}
	return out
}

func TestChecksThatNeedTheTargetRunAlone(t *testing.T) {
	var mu sync.Mutex
	inFlight, most, overlapped := 0, 0, false
	track := func(c *Check, d time.Duration) *Check {
		c.Observe = func(ctx context.Context, t *Target) (*Observation, error) {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			if c.NeedsTarget() && inFlight > 1 {
				overlapped = true
			}
			mu.Unlock()
			time.Sleep(d)
			mu.Lock()
			if c.NeedsTarget() && inFlight > 1 {
				overlapped = true
			}
			inFlight--
			mu.Unlock()
			return obs(), nil
		}
		return c
	}
	var checks []*Check
	for i := 0; i < 24; i++ {
		c := track(fakeCheck("conform/test/shared-"+strconv.Itoa(i), "framing"), 20*time.Millisecond)
		switch i % 8 {
		case 3:
			c.Timing = true
		case 5:
			c.Area = "concurrency"
		case 7:
			c.Exclusive = true
		}
		checks = append(checks, c)
	}
	// A check that needs another's result waits for it, whatever their kinds.
	dependent := track(fakeCheck("conform/test/dependent", "framing", "conform/test/shared-3"), time.Millisecond)
	checks = append([]*Check{dependent}, checks...)
	rs := Run(context.Background(), NewTarget("127.0.0.1:1"), checks, RunOptions{Jobs: 4})
	if overlapped {
		t.Error("a check that needs the target to itself ran beside another")
	}
	if most < 2 || most > 4 {
		t.Errorf("at most %d checks in flight, want 2 to 4", most)
	}
	for _, r := range rs {
		if r.Status != Pass {
			t.Errorf("%s: %s %q", r.Check.ID, r.Status, r.Message)
		}
	}
	if got, want := ids(resultChecks(rs)), ids(Ordered(checks)); !reflect.DeepEqual(got, want) {
		t.Errorf("results in the order %v, want %v", got, want)
	}
}

// countingServer answers every request after a pause and keeps the connection open; it
// records the most requests it had in hand (read, not yet answered) and the most
// connections it had open at once.
type countingServer struct {
	addr       string
	mu         sync.Mutex
	busy, most int
	open, conn int
}

func startCountingServer(t *testing.T, pause time.Duration) *countingServer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s := &countingServer{addr: l.Addr().String()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.open++
			s.conn = max(s.conn, s.open)
			s.mu.Unlock()
			go func() {
				defer func() {
					c.Close()
					s.mu.Lock()
					s.open--
					s.mu.Unlock()
				}()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				var got []byte
				buf := make([]byte, 4096)
				for !bytes.Contains(got, []byte("\r\n\r\n")) {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					got = append(got, buf[:n]...)
				}
				s.mu.Lock()
				s.busy++
				s.most = max(s.most, s.busy)
				s.mu.Unlock()
				time.Sleep(pause)
				s.mu.Lock()
				s.busy--
				s.mu.Unlock()
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
				c.Read(buf) // keep the connection until the client goes
			}()
		}
	}()
	return s
}

func TestAnsweredConnectionsHoldNoRequest(t *testing.T) {
	srv := startCountingServer(t, 20*time.Millisecond)
	var checks []*Check
	for i := 0; i < 24; i++ {
		c := fakeCheck("conform/test/linger-"+strconv.Itoa(i), "framing")
		c.Observe = func(ctx context.Context, t *Target) (*Observation, error) {
			x, err := t.Do(ctx, wire.Script{Steps: []wire.Step{{Data: t.get("/")}}, Responses: 1, Linger: 150 * time.Millisecond, IdleTimeout: time.Second})
			if err != nil {
				return nil, err
			}
			return &Observation{Conns: []*Conn{{Label: "request", Exchange: x}}}, nil
		}
		c.Judge = func(o *Observation) Verdict {
			if o.Response(0, 0) == nil {
				return violates("no answer (%s)", o.ending(0))
			}
			return conforms("answered")
		}
		checks = append(checks, c)
	}
	rs := Run(context.Background(), NewTarget(srv.addr), checks, RunOptions{Jobs: 8, Requests: 2})
	for _, r := range rs {
		if r.Status != Pass {
			t.Errorf("%s: %s %q", r.Check.ID, r.Status, r.Message)
		}
	}
	if srv.most > 2 {
		t.Errorf("the server had %d requests in hand at once; Requests is 2", srv.most)
	}
	// Lingering after its answer, a check holds a connection but no request.
	if srv.conn < 5 {
		t.Errorf("the server had %d connections open at once, want 5 or more", srv.conn)
	}
}

func TestCapacityAndDefaultJobs(t *testing.T) {
	at := func(pid int, from, to float64) span { return span{pid: pid, from: from, to: to} }
	for _, tc := range []struct {
		name       string
		spans      []span
		sent       int
		want       Capacity
		jobs, reqs int
	}{
		{"one thread", []span{at(1, 0, 0.05), at(1, 0.05, 0.1)}, 2, Capacity{Concurrent: 1, Sent: 2, Processes: 1, PerProcess: 1}, 4, 1},
		{"pre-forked, one request each", []span{at(1, 0, 0.05), at(2, 0, 0.05), at(1, 0.05, 0.1), at(2, 0.05, 0.1)}, 4, Capacity{Concurrent: 2, Sent: 4, Processes: 2, PerProcess: 1}, 8, 2},
		{"threads in two processes", []span{at(1, 0, 0.05), at(1, 0, 0.05), at(2, 0, 0.05), at(2, 0.01, 0.06), at(1, 0.05, 0.1)}, 5, Capacity{Concurrent: 4, Sent: 5, Processes: 2, PerProcess: 2}, 8, 2},
		{"unbounded in two processes", []span{at(1, 0, 0.05), at(1, 0, 0.05), at(2, 0, 0.05)}, 3, Capacity{Concurrent: 3, Sent: 3, Processes: 2, PerProcess: 2}, 12, 3},
		{"everything at once", make32(), 32, Capacity{Concurrent: 32, Sent: 32, Processes: 1, PerProcess: 32}, 32, 32},
	} {
		c := capacityOf(tc.spans)
		c.Sent = tc.sent
		if c != tc.want {
			t.Errorf("%s: capacity %+v, want %+v", tc.name, c, tc.want)
		}
		if jobs, reqs := DefaultJobs(c, 2); jobs != tc.jobs || reqs != tc.reqs {
			t.Errorf("%s: %d jobs, %d requests; want %d, %d", tc.name, jobs, reqs, tc.jobs, tc.reqs)
		}
	}
	if jobs, reqs := DefaultJobs(Capacity{Concurrent: 32, Sent: 32, Processes: 1, PerProcess: 32}, 1); jobs != 16 || reqs != 16 {
		t.Errorf("one core: %d jobs, %d requests; want 16, 16", jobs, reqs)
	}
	// A server that keeps ten idle connections open (cheroot) has at most five checks in
	// flight; one that keeps none, or all that were tried, is not held to it.
	for _, tc := range []struct {
		kept, tried, jobs, reqs int
	}{{10, 32, 5, 5}, {0, 32, 24, 6}, {32, 32, 24, 6}, {3, 32, 1, 1}} {
		c := Capacity{Concurrent: 6, Sent: 8, Processes: 1, PerProcess: 6, KeptAlive: tc.kept, Tried: tc.tried}
		if jobs, reqs := DefaultJobs(c, 2); jobs != tc.jobs || reqs != tc.reqs {
			t.Errorf("%d of %d connections kept: %d jobs, %d requests; want %d, %d", tc.kept, tc.tried, jobs, reqs, tc.jobs, tc.reqs)
		}
	}
}

func make32() []span {
	var out []span
	for i := 0; i < 32; i++ {
		out = append(out, span{pid: 1, from: 0, to: 0.05})
	}
	return out
}

func TestMeasureCapacityOfARealServer(t *testing.T) {
	_, addr := startReference(t, "")
	target := NewTarget(addr)
	c, err := MeasureCapacity(context.Background(), target, 8)
	if err != nil {
		t.Fatal(err)
	}
	// The reference serves every request at once, and keeps every connection.
	if c.Concurrent != 8 || c.Bounded() || c.Processes != 1 || c.KeptAlive != 8 || c.KeepAliveBounded() {
		t.Errorf("reference: %+v (%s), want 8 at once and 8 kept, unbounded", c, c)
	}
}

func TestKeptAliveCountsTheIdleConnectionsAServerKeeps(t *testing.T) {
	// A server that keeps at most three idle connections, as cheroot keeps ten.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	idle := 0
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := c.Read(buf); err != nil {
					return
				}
				mu.Lock()
				keep := idle < 3
				if keep {
					idle++
				}
				mu.Unlock()
				if !keep {
					c.Write([]byte("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"))
					return
				}
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
				c.Read(buf)
				mu.Lock()
				idle--
				mu.Unlock()
			}()
		}
	}()
	target := NewTarget(l.Addr().String())
	if n, err := keptAlive(context.Background(), target, 8); n != 3 || err != nil {
		t.Errorf("kept %d, %v; want 3", n, err)
	}
	// Every connection it kept was closed: the next measurement finds the same.
	time.Sleep(50 * time.Millisecond)
	if n, err := keptAlive(context.Background(), target, 2); n != 2 || err != nil {
		t.Errorf("kept %d of 2, %v; want 2", n, err)
	}
}

func TestChecksOfARunShareTheBlockingMeasurement(t *testing.T) {
	_, refAddr := startReference(t, "")
	p := startDyingProxy(t, "127.0.0.1:0", refAddr)
	var checks []*Check
	for _, id := range []string{"conform/concurrency/blocking-capacity", "pep3333/environ/multithread-truthful", "pep3333/environ/multiprocess-truthful"} {
		checks = append(checks, realCheck(t, id))
	}
	for run := 1; run <= 2; run++ {
		for _, r := range Run(context.Background(), NewTarget(p.addr()), checks, RunOptions{Jobs: 4}) {
			if r.Status != Pass {
				t.Errorf("%s: %s %q", r.Check.ID, r.Status, r.Message)
			}
		}
		// One measurement of four blocking requests per run, judged by all three.
		if n := p.sleeps.Load(); n != int32(4*run) {
			t.Errorf("after run %d: %d sleeping requests, want %d", run, n, 4*run)
		}
	}
}

func TestSharedMeasurementsPerTrialUntilForgotten(t *testing.T) {
	m := &measurements{}
	ctx := withMeasurements(context.Background(), m)
	made := 0
	measure := func(ctx context.Context, t *Target) (*Observation, error) {
		made++
		return obs(), nil
	}
	target := NewTarget("127.0.0.1:1")
	first, _ := sharedObservation(withTrial(ctx, 0), target, "x", measure)
	again, _ := sharedObservation(withTrial(ctx, 0), target, "x", measure)
	second, _ := sharedObservation(withTrial(ctx, 1), target, "x", measure)
	if made != 2 || first != again || second == first {
		t.Errorf("%d measurements; trial 0 shared %v, trial 1 its own %v", made, first == again, second != first)
	}
	cut, cancel := context.WithCancel(ctx)
	cancel()
	m.forget()
	sharedObservation(withTrial(cut, 0), target, "x", measure)
	sharedObservation(withTrial(ctx, 0), target, "x", measure)
	if made != 4 {
		t.Errorf("%d measurements, want 4: a forgotten one and one cut short are made again", made)
	}
	// Outside a run, each check measures for itself.
	sharedObservation(context.Background(), target, "x", measure)
	sharedObservation(context.Background(), target, "x", measure)
	if made != 6 {
		t.Errorf("%d measurements outside a run, want 6", made)
	}
}

// lateWorkerServer answers the probe's sleep scenario like a server of two workers whose
// second is slow to wake the first time: the first two requests run one after the other,
// later ones two at a time.
func lateWorkerServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var mu sync.Mutex
	served := 0
	workers := make(chan struct{}, 2)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 4096)
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				at := bytes.Index(buf[:n], []byte("sleep?ms="))
				if at < 0 { // not the sleep scenario: an answer that keeps no connection
					c.Write([]byte("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"))
					return
				}
				var ms int
				fmt.Sscanf(string(buf[at+len("sleep?ms="):n]), "%d", &ms)
				mu.Lock()
				served++
				alone := served <= 2
				mu.Unlock()
				if alone {
					mu.Lock() // one at a time: the other worker is not up yet
					defer mu.Unlock()
				} else {
					workers <- struct{}{}
					defer func() { <-workers }()
				}
				from := float64(time.Now().UnixNano()) / 1e9
				time.Sleep(time.Duration(ms) * time.Millisecond)
				to := float64(time.Now().UnixNano()) / 1e9
				body := fmt.Sprintf(`{"probe":"conform-probe","version":%d,"pid":1,"thread":1,"t_start":%f,"t_end":%f}`, probes.Version, from, to)
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			}()
		}
	}()
	return l.Addr().String()
}

func TestCapacityLooksAgainAtOneAtATime(t *testing.T) {
	c, err := MeasureCapacity(context.Background(), NewTarget(lateWorkerServer(t)), 8)
	if err != nil {
		t.Fatal(err)
	}
	if c.Concurrent != 2 || !c.Bounded() {
		t.Errorf("%+v (%s), want 2 at once", c, c)
	}
}

// TestExclusiveChecksRunBesideAnAnsweredWatcher: a Watches check, once its exchange is
// answered, only watches its idle connection, and the checks that need the target alone run
// beside it then, never before its answer, never beside anything else.
func TestExclusiveChecksRunBesideAnAnsweredWatcher(t *testing.T) {
	srv := startCountingServer(t, 100*time.Millisecond)
	var mu sync.Mutex
	var answeredAt, watcherEnd time.Time
	type span struct{ from, to time.Time }
	var exclusive, shared []span
	watcher := fakeCheck("conform/test/watcher", "connection")
	watcher.Long, watcher.Watches = true, true
	watcher.Observe = func(ctx context.Context, t *Target) (*Observation, error) {
		s := wire.Script{Steps: []wire.Step{{Data: t.get("/")}}, Responses: 1, Linger: 800 * time.Millisecond, IdleTimeout: time.Second}
		s.Answered = func() {
			mu.Lock()
			answeredAt = time.Now()
			mu.Unlock()
		}
		x, err := t.Do(ctx, s)
		mu.Lock()
		watcherEnd = time.Now()
		mu.Unlock()
		if err != nil {
			return nil, err
		}
		return &Observation{Conns: []*Conn{{Label: "request", Exchange: x}}}, nil
	}
	watcher.Judge = func(o *Observation) Verdict { return conforms("watched") }
	timed := func(c *Check, into *[]span) *Check {
		c.Observe = func(ctx context.Context, t *Target) (*Observation, error) {
			from := time.Now()
			time.Sleep(30 * time.Millisecond)
			mu.Lock()
			*into = append(*into, span{from, time.Now()})
			mu.Unlock()
			return obs(), nil
		}
		return c
	}
	checks := []*Check{watcher}
	for i := 0; i < 4; i++ {
		checks = append(checks, timed(fakeCheck("conform/test/shared-"+strconv.Itoa(i), "framing"), &shared))
		c := timed(fakeCheck("conform/test/timing-"+strconv.Itoa(i), "response"), &exclusive)
		c.Timing = true
		checks = append(checks, c)
	}
	for _, r := range Run(context.Background(), NewTarget(srv.addr), checks, RunOptions{Jobs: 4, Requests: 4}) {
		if r.Status != Pass {
			t.Errorf("%s: %s %q", r.Check.ID, r.Status, r.Message)
		}
	}
	overlaps := func(a, b span) bool { return a.from.Before(b.to) && b.from.Before(a.to) }
	beside := 0
	for i, e := range exclusive {
		if e.from.Before(answeredAt) {
			t.Errorf("exclusive check %d started before the watcher's answer", i)
		}
		if e.from.Before(watcherEnd) {
			beside++
		}
		for _, o := range shared {
			if overlaps(e, o) {
				t.Errorf("exclusive check %d ran beside a shared check", i)
			}
		}
		for j, o := range exclusive {
			if j != i && overlaps(e, o) {
				t.Errorf("exclusive checks %d and %d overlapped", i, j)
			}
		}
	}
	if beside == 0 {
		t.Errorf("no exclusive check ran while the watcher watched (answered %v, ended %v)", answeredAt, watcherEnd)
	}
}
