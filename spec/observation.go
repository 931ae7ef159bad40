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

// Observation is what a check saw: one or more connections, and numbers it measured.
type Observation struct {
	Conns  []*Conn
	Values map[string]float64
	// FrontFields are the request fields the front before the server adds to every
	// request it forwards (Target.FrontFields), set by Run: the app sees them though the
	// client did not send them.
	FrontFields []string
}

// frontAdded reports whether the environ key is the CGI name of a field the front adds.
func (o *Observation) frontAdded(key string) bool {
	for _, f := range o.FrontFields {
		if key == "HTTP_"+strings.ToUpper(strings.ReplaceAll(f, "-", "_")) {
			return true
		}
	}
	return false
}

// Conn is one connection of an observation.
type Conn struct {
	Label string
	// At is when the connection started, from the start of the observation.
	At time.Duration
	*wire.Exchange
}

// Response returns response i of connection c, or nil.
func (o *Observation) Response(c, i int) *wire.Response {
	if c >= len(o.Conns) || o.Conns[c].Exchange == nil || i >= len(o.Conns[c].Responses) {
		return nil
	}
	return o.Conns[c].Responses[i]
}

// Echo decodes response i of connection c as a probe echo document.
func (o *Observation) Echo(c, i int) (*probes.Echo, *wire.Response, error) {
	r := o.Response(c, i)
	if r == nil {
		return nil, nil, fmt.Errorf("no response %d on connection %d (%s)", i+1, c+1, o.ending(c))
	}
	if r.Status != 200 {
		return nil, r, fmt.Errorf("response was %d %s, not the probe's 200", r.Status, r.Reason)
	}
	e, err := probes.Decode(r.Body)
	if err != nil {
		return nil, r, err
	}
	return e, r, nil
}

func (o *Observation) ending(c int) string {
	if c >= len(o.Conns) || o.Conns[c].Exchange == nil {
		return "no connection"
	}
	x := o.Conns[c].Exchange
	s := "connection " + string(x.End)
	if x.Garbage != "" {
		s += ": " + x.Garbage
	}
	return s
}

// one observes a single connection running the script built by build.
func one(build func(t *Target) wire.Script) func(ctx context.Context, t *Target) (*Observation, error) {
	return func(ctx context.Context, t *Target) (*Observation, error) {
		x, err := t.Do(ctx, build(t))
		if err != nil {
			return nil, err
		}
		return &Observation{Conns: []*Conn{{Label: "request", Exchange: x}}}, nil
	}
}

// exchange observes one request sent in one write, waiting for one response and lingering
// briefly to see whether the server closes the connection.
func exchange(build func(t *Target) []byte) func(ctx context.Context, t *Target) (*Observation, error) {
	return one(func(t *Target) wire.Script {
		return wire.Script{Steps: []wire.Step{{Data: build(t)}}, Responses: 1, Linger: 150 * time.Millisecond, IdleTimeout: 2 * time.Second}
	})
}

// pipeline observes requests sent back to back in one write, expecting n responses.
func pipeline(n int, build func(t *Target) []byte) func(ctx context.Context, t *Target) (*Observation, error) {
	return one(func(t *Target) wire.Script {
		return wire.Script{Steps: []wire.Step{{Data: build(t)}}, Responses: n, Linger: 150 * time.Millisecond, IdleTimeout: 2 * time.Second}
	})
}

// parallel runs several scripts at once, each started at its offset, and records them in
// order. It waits for all of them; each is bounded by its own script deadline.
func parallel(ctx context.Context, t *Target, labels []string, offsets []time.Duration, scripts []wire.Script) (*Observation, error) {
	o := &Observation{Conns: make([]*Conn, len(scripts)), Values: map[string]float64{}}
	errs := make([]error, len(scripts))
	start := time.Now()
	var wg sync.WaitGroup
	for i := range scripts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if d := t.dur(offsets[i]); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					errs[i] = ctx.Err()
					return
				}
			}
			at := time.Since(start)
			x, err := t.Do(ctx, scripts[i])
			o.Conns[i] = &Conn{Label: labels[i], At: at, Exchange: x}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return o, nil
}
