package reference

import (
	"bufio"
	"bytes"
	"io"
	"math/rand"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	get,
	get + get,
	"\r\n" + get,
	"GET / HTTP/1.1\nHost: a\n\n",
	"GET /p?q HTTP/1.0\r\n\r\n",
	"GET http://a:1/b?c HTTP/1.1\r\nHost: a\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + get,
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\"\r\nhello\r\n0\r\nT: 1\r\n\r\n" + get,
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX : a\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nExpect: 100-continue\r\n\r\n" + get,
	"GET / HTTP/2.0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab",
}

// checkInterpretation asserts the properties every interpretation must have.
func checkInterpretation(t *testing.T, raw []byte, in Interpretation) {
	t.Helper()
	if in.Consumed < 0 || in.Consumed > len(raw) {
		t.Fatalf("Consumed %d of %d", in.Consumed, len(raw))
	}
	prev := 0
	for i, r := range in.Requests {
		if r.Start < prev || r.End <= r.Start || r.End > len(raw) {
			t.Fatalf("request %d spans %d..%d after %d (len %d)", i, r.Start, r.End, prev, len(raw))
		}
		prev = r.End
	}
	if len(in.Requests) > 0 && in.Consumed != prev {
		t.Fatalf("Consumed %d, last request ends at %d", in.Consumed, prev)
	}
	if in.Error != nil && in.Incomplete {
		t.Fatal("both an error and incomplete")
	}
	if in.Error != nil && (in.Error.Offset < in.Consumed || in.Error.Offset > len(raw)) {
		t.Fatalf("error offset %d outside %d..%d", in.Error.Offset, in.Consumed, len(raw))
	}
	// Interpreting exactly the consumed bytes gives the same requests.
	again := Interpret(raw[:in.Consumed], Limits{})
	if again.Error != nil || again.Incomplete || !reflect.DeepEqual(again.Requests, in.Requests) {
		t.Fatalf("raw[:Consumed] interprets differently: %+v vs %+v", again, in)
	}
	// Each request's canonical form interprets back to the same request.
	lim := DefaultLimits()
	lim.MaxHeaderBytes += 64
	lim.MaxHeaders++
	for i, r := range in.Requests {
		c := r.Canonical()
		back := Interpret(c, lim)
		if len(back.Requests) != 1 {
			t.Fatalf("request %d: canonical form %q interprets as %+v (err %v)", i, c, back, back.Error)
		}
		b := back.Requests[0]
		if b.Method != r.Method || b.Target != r.Target || b.Proto != r.Proto || !bytes.Equal(b.Body, r.Body) ||
			!reflect.DeepEqual(framingless(b.Header), framingless(r.Header)) {
			t.Fatalf("request %d: canonical round trip\n got %+v\nwant %+v", i, b, r)
		}
	}
}

func framingless(fs []Field) []Field {
	var out []Field
	for _, f := range fs {
		if !strings.EqualFold(f.Name, "Content-Length") && !strings.EqualFold(f.Name, "Transfer-Encoding") {
			out = append(out, f)
		}
	}
	return out
}

func FuzzInterpret(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		in := Interpret(raw, Limits{})
		checkInterpretation(t, raw, in)
		// Deviated parsers must not panic either, and keep their offsets in bounds.
		var dev Deviations
		for _, n := range []string{"AcceptObsFoldRaw", "AcceptWhitespaceBeforeColon", "AcceptInvalidFieldNames", "AcceptBareCR",
			"AcceptNUL", "PreferContentLength", "AcceptSignedContentLength", "AcceptInvalidContentLengthList",
			"AcceptChunkSizePrefix", "ChunkSizeOverflowWraps", "IgnoreChunkCRLF", "MishandleTrailers",
			"AcceptTENotFinalChunked", "KeepHeaderWhitespace", "IgnoreConnectionClose", "KeepAliveHTTP10"} {
			dev.Set(n, "")
		}
		d := InterpretWith(raw, Limits{}, dev)
		if d.Consumed > len(raw) {
			t.Fatalf("deviated Consumed %d of %d", d.Consumed, len(raw))
		}
	})
}

// TestInterpretRandom mutates the seeds at random: a quick stand-in for the fuzzer in plain
// "go test" runs.
func TestInterpretRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("\r\n :;,\t\x00\"=0123456789abcdefABCDEF-/?%HTTP/1.1GETPOST")
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for i := 0; i < n; i++ {
		raw := []byte(fuzzSeeds[rng.Intn(len(fuzzSeeds))])
		for k := rng.Intn(4); k >= 0; k-- {
			if len(raw) == 0 {
				break
			}
			p := rng.Intn(len(raw))
			switch rng.Intn(4) {
			case 0:
				raw[p] = alphabet[rng.Intn(len(alphabet))]
			case 1:
				raw = append(raw[:p], raw[p+1:]...)
			case 2:
				raw = append(raw[:p], append([]byte{alphabet[rng.Intn(len(alphabet))]}, raw[p:]...)...)
			case 3:
				raw = raw[:p]
			}
		}
		checkInterpretation(t, raw, Interpret(raw, Limits{}))
	}
}

// Feeding the bytes one at a time to the incremental parser gives the same result as feeding
// them at once: the server and Interpret agree whatever the packet boundaries.
func TestIncrementalEqualsWhole(t *testing.T) {
	for _, s := range fuzzSeeds {
		raw := []byte(s)
		whole := Interpret(raw, Limits{})
		p := newParser(Limits{}, nil)
		var got Interpretation
	feed:
		for i := 0; i <= len(raw); i++ {
			p.buf = raw[:i]
			for {
				switch p.advance() {
				case stepHead:
					continue
				case stepDone:
					got.Requests = append(got.Requests, p.req)
					got.Consumed = p.req.End
					if p.req.Close {
						break feed
					}
					p.reset()
					continue
				case stepError:
					got.Error = p.err
					break feed
				}
				break
			}
		}
		if got.Error == nil && whole.Error == nil {
			got.Incomplete = whole.Incomplete
		}
		if !reflect.DeepEqual(got, whole) {
			t.Errorf("%q:\nincremental %+v\nwhole       %+v", s, got, whole)
		}
	}
}

// TestServerAgreesWithInterpret sends inputs to the server (then half-closes) and checks the
// answers match Interpret: one response per interpreted request, then the error status if
// any, then the end of the connection.
func TestServerAgreesWithInterpret(t *testing.T) {
	r := startServer(t, Options{})
	rng := rand.New(rand.NewSource(2))
	inputs := append([]string{}, fuzzSeeds...)
	for i := 0; i < 300; i++ {
		raw := []byte(fuzzSeeds[rng.Intn(len(fuzzSeeds))])
		if len(raw) > 0 {
			p := rng.Intn(len(raw))
			const alpha = "\r\n :;,\t0aZ-/"
			raw[p] = alpha[rng.Intn(len(alpha))]
		}
		inputs = append(inputs, string(raw))
	}
	var errs, multi int
	defer func() {
		if errs < 20 || multi < 5 {
			t.Errorf("weak sample: %d errors, %d pipelines", errs, multi)
		}
	}()
	for _, raw := range inputs {
		in := Interpret([]byte(raw), Limits{})
		if in.Error != nil {
			errs++
		}
		if len(in.Requests) > 1 {
			multi++
		}
		nc, err := net.Dial("tcp", r.Addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(nc, raw)
		nc.(*net.TCPConn).CloseWrite()
		br := bufio.NewReader(nc)
		var got []int
		for i := 0; ; i++ {
			method := "GET"
			if i < len(in.Requests) {
				method = in.Requests[i].Method
			}
			res, err := http.ReadResponse(br, &http.Request{Method: method})
			if err != nil {
				break
			}
			io.Copy(io.Discard, res.Body)
			if res.StatusCode < 200 {
				i--
				continue
			}
			got = append(got, res.StatusCode)
		}
		nc.Close()
		var want []int
		for range in.Requests {
			want = append(want, 200)
		}
		if in.Error != nil {
			want = append(want, in.Error.Status)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: server answered %v, Interpret says %v (err %v)", raw, got, want, in.Error)
		}
	}
}
