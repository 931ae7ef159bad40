// Package relay is a TCP relay that records what passes through it, connection by
// connection: put between a front and the server behind it, it shows the bytes the front
// forwarded on each upstream connection, which is what a desync is judged on (the front
// meant N requests; the server read M).
package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Limits bound what a relay keeps and how long a connection may sit idle.
type Limits struct {
	// Bytes is how much of each direction of a connection is recorded (default 1 MiB);
	// what passes beyond is relayed, not kept, and the record says so.
	Bytes int
	// Conns is how many connection records are kept (default 4096): the oldest closed
	// ones go first.
	Conns int
	// Idle closes a connection on which nothing passed for this long (default 2 min).
	Idle time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.Bytes <= 0 {
		l.Bytes = 1 << 20
	}
	if l.Conns <= 0 {
		l.Conns = 4096
	}
	if l.Idle <= 0 {
		l.Idle = 2 * time.Minute
	}
	return l
}

// Conn is the record of one relayed connection.
type Conn struct {
	// ID numbers the connections in the order they were accepted, from 1.
	ID int
	// Forwarded is what the front sent the server on this connection, Returned what the
	// server answered; each holds the first Limits.Bytes, and Truncated says whether
	// more passed.
	Forwarded, Returned []byte
	Truncated           bool
	// Closed: both directions have ended.
	Closed bool
}

// Relay forwards every connection it accepts to its upstream address.
type Relay struct {
	ln       net.Listener
	upstream string
	limits   Limits

	mu    sync.Mutex
	next  int
	conns []*record
	live  map[*record]struct{}
	wg    sync.WaitGroup
}

type record struct {
	mu sync.Mutex
	Conn
	client, server net.Conn
	last           atomic.Int64 // when bytes last passed either way, Unix nanoseconds
}

// Start listens on listen (host:port; port 0 picks one) and relays to upstream.
func Start(listen, upstream string, limits Limits) (*Relay, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("relay: listen on %s: %w", listen, err)
	}
	r := &Relay{ln: ln, upstream: upstream, limits: limits.withDefaults(), live: map[*record]struct{}{}}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// Addr is the address the relay listens on.
func (r *Relay) Addr() string { return r.ln.Addr().String() }

func (r *Relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.wg.Add(1)
		go r.serve(c)
	}
}

func (r *Relay) serve(client net.Conn) {
	defer r.wg.Done()
	server, err := net.DialTimeout("tcp", r.upstream, 5*time.Second)
	if err != nil {
		// The front sees the server refuse: as it would without the relay.
		client.Close()
		return
	}
	rec := &record{client: client, server: server}
	rec.last.Store(time.Now().UnixNano())
	r.mu.Lock()
	r.next++
	rec.ID = r.next
	r.conns = append(r.conns, rec)
	r.live[rec] = struct{}{}
	r.trim()
	r.mu.Unlock()

	var both sync.WaitGroup
	both.Add(2)
	go func() { defer both.Done(); r.pipe(rec, server, client, &rec.Forwarded) }()
	go func() { defer both.Done(); r.pipe(rec, client, server, &rec.Returned) }()
	both.Wait()
	client.Close()
	server.Close()
	rec.mu.Lock()
	rec.Closed = true
	rec.mu.Unlock()
	r.mu.Lock()
	delete(r.live, rec)
	r.mu.Unlock()
}

// pipe copies src to dst, recording into kept, until src ends or the connection stays idle
// (nothing either way) too long; then it half-closes dst, so an end of stream passes
// through as it came.
func (r *Relay) pipe(rec *record, dst, src net.Conn, kept *[]byte) {
	buf := make([]byte, 32<<10)
	for {
		src.SetReadDeadline(time.Now().Add(r.limits.Idle))
		n, err := src.Read(buf)
		if n > 0 {
			rec.last.Store(time.Now().UnixNano())
			rec.mu.Lock()
			room := r.limits.Bytes - len(*kept)
			if room >= n {
				*kept = append(*kept, buf[:n]...)
			} else {
				if room > 0 {
					*kept = append(*kept, buf[:room]...)
				}
				rec.Truncated = true
			}
			rec.mu.Unlock()
			dst.SetWriteDeadline(time.Now().Add(r.limits.Idle))
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if time.Since(time.Unix(0, rec.last.Load())) < r.limits.Idle {
					continue // the other direction is busy
				}
				dst.Close()
				src.Close()
			}
			break
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	if tc, ok := src.(*net.TCPConn); ok {
		tc.CloseRead()
	}
}

// trim drops the oldest closed records beyond Limits.Conns; r.mu is held.
func (r *Relay) trim() {
	for len(r.conns) > r.limits.Conns {
		drop := -1
		for i, c := range r.conns {
			if _, open := r.live[c]; !open {
				drop = i
				break
			}
		}
		if drop < 0 {
			return
		}
		r.conns = append(r.conns[:drop], r.conns[drop+1:]...)
	}
}

// Conns returns a copy of every connection record kept, oldest first.
func (r *Relay) Conns() []Conn {
	r.mu.Lock()
	recs := append([]*record(nil), r.conns...)
	r.mu.Unlock()
	out := make([]Conn, len(recs))
	for i, rec := range recs {
		rec.mu.Lock()
		c := rec.Conn
		c.Forwarded = append([]byte(nil), rec.Forwarded...)
		c.Returned = append([]byte(nil), rec.Returned...)
		rec.mu.Unlock()
		out[i] = c
	}
	return out
}

// TakeClosed returns the records of the connections that have closed, oldest first, and
// forgets them: a long session judges each once and keeps no more than is still open.
func (r *Relay) TakeClosed() []Conn {
	r.mu.Lock()
	var taken []*record
	kept := r.conns[:0]
	for _, rec := range r.conns {
		if _, open := r.live[rec]; open {
			kept = append(kept, rec)
		} else {
			taken = append(taken, rec)
		}
	}
	clear(r.conns[len(kept):])
	r.conns = kept
	r.mu.Unlock()
	out := make([]Conn, len(taken))
	for i, rec := range taken {
		rec.mu.Lock()
		out[i] = rec.Conn
		rec.mu.Unlock()
	}
	return out
}

// Settle waits until no relayed connection is open (after the front stopped, say), or ctx
// ends.
func (r *Relay) Settle(ctx context.Context) error {
	for {
		r.mu.Lock()
		open := len(r.live)
		r.mu.Unlock()
		if open == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("relay: %d connections still open: %w", open, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Close stops accepting, cuts every relayed connection and waits for the relay's
// goroutines to end.
func (r *Relay) Close() error {
	err := r.ln.Close()
	r.mu.Lock()
	for rec := range r.live {
		rec.client.Close()
		rec.server.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

var _ io.Closer = (*Relay)(nil)
