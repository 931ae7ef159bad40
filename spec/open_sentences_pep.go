package spec

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// PEP 3333 sentences the trace had left open ("!!" in spec/trace/pep3333.txt), ranked by what
// breaks applications: a failed start_response that the server forgets, a wsgi.file_wrapper
// that only works for real files or never closes them, then what the environ promises beyond
// the required keys (server-defined key names, wsgi.run_once).

// serverVariableName is PEP 3333's shape for a server-defined environ key: lower-case
// letters, digits, dots and underscores, with a prefix (the server's name) before a dot.
var serverVariableName = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

// cgiStyleName is an upper-case CGI-style key (REMOTE_PORT, HTTP_X_Y, SSL_PROTOCOL): PEP 3333
// lets a server add "as many other CGI variables as are applicable", so these are not
// server-defined variables in its sense.
var cgiStyleName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// pepTruthy is Python truthiness of an environ value as the probe rendered it.
func pepTruthy(v probes.EnvValue) bool {
	switch v.Value {
	case "False", "0", "None", "":
		return false
	}
	return true
}

func init() {
	register(&Check{
		ID:    "pep3333/environ/server-variables-named",
		Title: "server-defined environ keys are lower-case, dotted and prefixed with the server's name",
		Ref:   pepEnviron, Level: Should, Area: "environ",
		Quote:   "These variables should be named using only lower-case letters, numbers, dots, and underscores, and should be prefixed with a name that is unique to the defining server or gateway.",
		Observe: exchange(func(t *Target) []byte { return t.get("/server-variables") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			var bad, named []string
			for k, v := range e.Environ {
				// A copy of the process environment is the operator's, not the server's.
				if v.Inherited || strings.HasPrefix(k, "wsgi.") || cgiStyleName.MatchString(k) {
					continue
				}
				if serverVariableName.MatchString(k) {
					named = append(named, k)
				} else {
					bad = append(bad, k)
				}
			}
			sort.Strings(bad)
			sort.Strings(named)
			if len(bad) > 0 {
				return violates("the environ holds %s: a server-defined key should be lower-case letters, digits, dots and underscores behind the server's own prefix (like gunicorn.socket), so that it cannot collide with a CGI variable, a wsgi.* key, or another server's or middleware's key", quoteList(bad))
			}
			if len(named) == 0 {
				return conforms("no server-defined keys besides CGI variables and wsgi.*")
			}
			return conforms("server-defined keys: %s", strings.Join(named, ", "))
		}),
	})

	register(&Check{
		ID:    "pep3333/environ/run-once-truthful",
		Title: "wsgi.run_once is false when one process serves several requests",
		Ref:   pepEnviron, Level: Should, Area: "environ",
		Quote: "This value should evaluate true if the server or gateway expects (but does not guarantee!) that the application will only be invoked this one time during the life of its containing process.",
		// Three connections: a server with at most two processes must reuse one, which is
		// exactly when run_once=True misleads (an app skips its caches and setup reuse).
		Observe: func(ctx context.Context, t *Target) (*Observation, error) {
			o := &Observation{}
			for i := 1; i <= 3; i++ {
				x, err := t.Do(ctx, wire.Request(t.get(fmt.Sprintf("/run-once-%d", i), "Connection: close")))
				if err != nil {
					return nil, fmt.Errorf("run-once request %d: %w", i, err)
				}
				o.Conns = append(o.Conns, &Conn{Label: fmt.Sprintf("run-once-%d", i), Exchange: x})
			}
			return o, nil
		},
		Judge: judgeRunOnce,
	})

	register(&Check{
		ID:    "pep3333/start-response/retry-after-error",
		Title: "after start_response raised, calling it again without exc_info is an error too",
		Ref:   pepStartResponse, Level: Must, Area: "start-response",
		Quote:   "This includes the case where the first call to start_response raised an error.",
		Observe: exchange(scenario("start-response-after-error")),
		Judge:   judgeRetryAfterError,
	})

	register(&Check{
		ID:    "pep3333/response/file-wrapper-filelike",
		Title: "wsgi.file_wrapper serves a file-like object without fileno() through its read()",
		Ref:   openPepFileHandling, Level: Must, Area: "response",
		Quote:   "Note that even if the object is not suitable for the platform API, the wsgi.file_wrapper must still return an iterable that wraps read() and close(), so that applications using file wrappers are portable across platforms.",
		Observe: observeFileLike,
		Judge: func(o *Observation) Verdict {
			r, v := fileLikeResponse(o)
			if v != nil {
				return *v
			}
			data := openFileData(fileLikeSize)
			switch {
			case r.Status != 200:
				return violates("wsgi.file_wrapper(f, 8192) over an object with read() and close() but no fileno() (an io.BytesIO, a decompressing reader) got %d %s: the wrapper only works for real files, so an app written for it breaks on this server", r.Status, r.Reason)
			case !bytes.Equal(r.Body, data):
				return violates("wsgi.file_wrapper over a %d-byte file-like object without fileno() sent %d other bytes (first difference at %d)", fileLikeSize, len(r.Body), firstDiff(r.Body, data))
			}
			return conforms("the %d bytes were read through read()", fileLikeSize)
		},
	})

	register(&Check{
		ID:    "pep3333/response/file-wrapper-close",
		Title: "the wsgi.file_wrapper iterable's close() closes the file-like object",
		Ref:   openPepFileHandling, Level: Must, Area: "response",
		Requires: []string{"pep3333/response/file-wrapper-filelike"},
		Quote:    "and if so, the iterable returned by wsgi.file_wrapper must have a close() method that invokes the original file-like object's close() method.",
		Observe:  observeFileLike,
		Judge: func(o *Observation) Verdict {
			if _, v := fileLikeResponse(o); v != nil {
				return *v
			}
			e, _, err := o.Echo(len(o.Conns)-1, 0)
			if err != nil {
				return inconclusive("close-status was not answered: %v", err)
			}
			if e.Result["closed"] != true {
				return violates("after the response from wsgi.file_wrapper(f, 8192), f.close() was not called within 3s: the wrapper's close() does not reach the file-like object, so the app's file (or socket, or database cursor) leaks")
			}
			return conforms("f.close() was called through the wrapper")
		},
	})
}

// fileLikeSize is the file-like object's size: more than two of the 8192-byte blocks the
// probe asks the wrapper for, so its read() loop is exercised.
const fileLikeSize = 20000

// observeFileLike gets file-wrapper-filelike (wsgi.file_wrapper over an object with read()
// and close() but no fileno()), then polls close-status for the object's close() marker.
func observeFileLike(ctx context.Context, t *Target) (*Observation, error) {
	token := fmt.Sprintf("fl-%s-%d", t.nextID(), time.Now().UnixNano())
	s := wire.Request(t.get(fmt.Sprintf("%sfile-wrapper-filelike?size=%d&token=%s", probes.Prefix, fileLikeSize, token), "Connection: close"))
	x, err := t.Do(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("file-wrapper-filelike: %w", err)
	}
	o := &Observation{Conns: []*Conn{{Label: "file-wrapper-filelike", Exchange: x}}}
	st, err := pollCloseStatus(ctx, t, token, 3*time.Second)
	if err != nil {
		return nil, err
	}
	o.Conns = append(o.Conns, st)
	return o, nil
}

// pollCloseStatus asks the probe's close-status for token until it reports close() called
// or window (close() may run after the response is on the wire) has passed, and returns the
// last poll. Each poll may wait at least 2 s for its answer, so the last one is never cut
// short by the window's end: a server still busy with the response (one thread, or a
// loaded machine) answers late, not never.
func pollCloseStatus(ctx context.Context, t *Target, token string, window time.Duration) (*Conn, error) {
	poll := time.Now().Add(t.dur(window))
	for {
		s := wire.Request(t.get(probes.Prefix + "close-status?token=" + token))
		s.IdleTimeout = max(time.Until(poll), t.dur(2*time.Second))
		y, err := t.Do(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("close-status: %w", err)
		}
		st := &Conn{Label: "close-status", Exchange: y}
		e, _, err := (&Observation{Conns: []*Conn{st}}).Echo(0, 0)
		if (err == nil && e.Result["closed"] == true) || time.Now().After(poll) || ctx.Err() != nil {
			return st, nil
		}
		time.Sleep(t.dur(100 * time.Millisecond))
	}
}

// fileLikeResponse is the file-wrapper-filelike response, or the verdict when there is none
// to judge (no response; no wsgi.file_wrapper).
func fileLikeResponse(o *Observation) (*wire.Response, *Verdict) {
	r := o.Response(0, 0)
	if r == nil {
		v := inconclusive("no response (%s)", o.ending(0))
		return nil, &v
	}
	if fw, _ := r.Get("X-Conform-File-Wrapper"); r.Status == 200 && fw == "absent" {
		v := notApplicable("the server offers no wsgi.file_wrapper")
		return nil, &v
	}
	return r, nil
}

// judgeRetryAfterError reads the probe's report of start-response-after-error: the first
// call offered a header value that is an int, not a str; only if the server refused it by
// raising is the second call's outcome a finding.
func judgeRetryAfterError(o *Observation) Verdict {
	accepted := notApplicable("start_response accepted ('X-Conform-Value', 1), a header value that is not a str, so no call had raised before the second (PEP 3333 lets a server check headers late)")
	r := o.Response(0, 0)
	if r == nil || probeSays(o, "first_call", "returned") {
		if probeSays(o, "first_call", "returned") {
			return accepted
		}
		return inconclusive("no response (%s)", o.ending(0))
	}
	e, err := probes.Decode(r.Body)
	if err != nil {
		return inconclusive("the probe's report did not arrive (%d %s): %v", r.Status, r.Reason, err)
	}
	if e.ResultString("first_call") == "returned" {
		return accepted
	}
	switch e.ResultString("second_call") {
	case "raised":
		return conforms("start_response refused the header value, and the retry without exc_info raised %s", e.ResultString("exception"))
	case "returned":
		return violates("start_response raised for ('X-Conform-Value', 1), a header value that is not a str, and then start_response('200 OK', valid headers) without exc_info returned normally (%d %s was sent): the failed call left no trace, so an application can replace a refused response without exc_info, which PEP 3333 makes a fatal error", r.Status, r.Reason)
	}
	return inconclusive("the probe did not report the second call: %q", e.ResultString("second_call"))
}

// judgeRunOnce compares wsgi.run_once with what the three echoes show: a process that served
// two of them was not a one-shot process.
func judgeRunOnce(o *Observation) Verdict {
	served := map[int]int{}
	var once []bool
	for i := range o.Conns {
		e, _, err := o.Echo(i, 0)
		if err != nil {
			return inconclusive("request %d on its own connection was not echoed: %v", i+1, err)
		}
		v, ok := e.Env("wsgi.run_once")
		if !ok {
			return inconclusive("wsgi.run_once is missing (pep3333/environ/wsgi-variables reports it)")
		}
		served[e.PID]++
		once = append(once, pepTruthy(v))
	}
	anyOnce := false
	for _, b := range once {
		anyOnce = anyOnce || b
	}
	var reused []string
	for pid, n := range served {
		if n > 1 {
			reused = append(reused, fmt.Sprintf("pid %d served %d", pid, n))
		}
	}
	sort.Strings(reused)
	switch {
	case len(reused) > 0 && anyOnce:
		return violates("wsgi.run_once evaluated true (%v for the 3 requests), yet %s of the 3 requests, each on its own connection: the process lives on, and an application that trusts run_once (skipping caches and one-time setup) pays for it on every request", once, strings.Join(reused, ", "))
	case len(reused) > 0:
		return conforms("wsgi.run_once is false and %s of the 3 connections", strings.Join(reused, ", "))
	case anyOnce:
		return conforms("each of the 3 requests ran in a process of its own and wsgi.run_once was true (CGI-style)")
	}
	return inconclusive("the 3 requests ran in 3 processes and wsgi.run_once was false: a pool of processes and a process per request look alike here")
}

// quoteList renders keys for a message: "a", "b" and "c".
func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(q, ", ")
}
