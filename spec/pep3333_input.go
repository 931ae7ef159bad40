package spec

import (
	"fmt"
	"strings"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// PEP 3333, "Input and Error Streams": wsgi.input and wsgi.errors.

var pepStreams = Ref{"PEP 3333", "Input and Error Streams"}

const streamsMust = "The methods listed in the table above must be supported by all servers conforming to this specification."

// inputBody is the body the read-mode checks send: lines of different lengths and a last
// line without a newline, so readlines/iteration have edges to get wrong. The readline
// modes get lineBody, newline-terminated: on a server without EOF simulation a readline()
// for an unterminated last line waits for a newline that never comes, which is the
// eof-at-content-length check's finding, not readline's.
const (
	inputBody = "first line\nsecond\n\nlast line without newline"
	lineBody  = "first line\nsecond\n\nlast line\n"
)

// readMode builds a check that reads inputBody through wsgi.input in one mode and expects
// exactly the bytes sent.
//
// Modes that read until EOF (read(), readlines(), iteration) only end on a server that
// simulates end-of-file at Content-Length, so they require that check: on other servers they
// are skipped rather than reported as a second, hanging failure.
func readMode(id, title, mode string, level Level, quote string) *Check {
	requires := []string{"pep3333/input/read-content-length"}
	body := inputBody
	if mode == "readline" || strings.HasPrefix(mode, "readline:") {
		body = lineBody
	}
	if mode == "read" || mode == "readlines" || mode == "iter" {
		requires = append(requires, "pep3333/input/eof-at-content-length")
	}
	return &Check{
		ID: id, Title: title, Ref: pepStreams, Level: level, Area: "input", Quote: quote,
		Requires: requires,
		Observe: exchange(func(t *Target) []byte {
			return t.post(probes.Prefix+"echo?read="+mode, body, "Content-Type: text/plain")
		}),
		Judge: func(o *Observation) Verdict {
			if o.Response(0, 0) == nil && o.Conns[0].End == wire.EndIdle {
				return violates("reading the %d-byte body with %s blocked: no response came while the connection stayed open, so the method reads past Content-Length", len(body), mode)
			}
			return readModeJudge(o, mode, body)
		},
	}
}

func readModeJudge(o *Observation, mode, body string) Verdict {
	return onEcho(func(e *probes.Echo) Verdict {
		got := string(e.Input.Body())
		if e.Input.Error != "" {
			return violates("wsgi.input in mode %s raised %s after %d bytes", mode, e.Input.Error, len(got))
		}
		if got != body {
			return violates("reading with %s gave %s; sent %s", mode, quoteBytes(got), quoteBytes(body))
		}
		if mode == "iter" || mode == "readlines" {
			if v, judged := lineBoundaries(e.Input.Calls, mode, body); judged {
				return v
			}
		}
		if op, n, sized := strings.Cut(mode, ":"); sized {
			var size int
			fmt.Sscanf(n, "%d", &size)
			for _, c := range e.Input.Calls {
				if c.Got > size {
					return violates("%s(%d) returned %d bytes: the size argument was ignored", strings.TrimSuffix(op, "n"), size, c.Got)
				}
			}
		}
		return conforms("%s returned the %d body bytes", mode, len(got))
	})(o)
}

// lineBoundaries judges where iteration or readlines() split the body: the right bytes in
// the wrong pieces break every app that parses line by line (a CSV upload, a multipart
// reader), so the total alone proves nothing. judged is false when no call recorded lines.
func lineBoundaries(calls []probes.InputCall, mode, body string) (v Verdict, judged bool) {
	var got []int
	for _, c := range calls {
		switch {
		case mode == "iter" && c.Op == "iter":
			got = append(got, c.Got)
		case mode == "readlines" && c.Op == "readlines" && c.Lines != nil:
			got = append(got, c.Lines...)
		}
	}
	if got == nil {
		return Verdict{}, false
	}
	var want []int
	for _, l := range strings.SplitAfter(body, "\n") {
		if l != "" {
			want = append(want, len(l))
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		what := map[string]string{"iter": "iterating over wsgi.input", "readlines": "readlines()"}[mode]
		return violates("%s gave the right %d bytes but in pieces of %v bytes, not the lines %v: an application reading line by line sees different lines than were sent", what, len(body), got, want), true
	}
	return conforms("%s returned the %d body bytes as the %d lines sent", mode, len(body), len(want)), true
}

func init() {
	register(&Check{
		ID:    "pep3333/input/read-content-length",
		Title: "wsgi.input yields exactly the Content-Length body",
		Ref:   pepEnviron, Level: Must, Area: "input",
		Quote: "An input stream (file-like object) from which the HTTP request body bytes can be read.",
		Observe: exchange(func(t *Target) []byte {
			return t.post("/body", "hello\r\nconform\x00\xff", "Content-Type: application/octet-stream")
		}),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			if got := string(e.Input.Body()); got != "hello\r\nconform\x00\xff" || e.Input.Error != "" {
				return violates("a 16-byte body read as %s %s", quoteBytes(got), e.Input.Error)
			}
			return conforms("the 16 body bytes arrived intact")
		}),
	})

	register(readMode("pep3333/input/read-size", "read(n) in a loop returns the body", "readn:3", Must, streamsMust))
	register(readMode("pep3333/input/readline", "readline() returns the body line by line", "readline", Must, streamsMust))
	register(readMode("pep3333/input/readline-size", "readline(size) honours its size argument", "readline:4", Should,
		"Servers should support the optional \"size\" argument to readline(), but as in WSGI 1.0, they are allowed to omit support for it."))
	register(readMode("pep3333/input/readlines", "readlines() returns every line", "readlines", Must, streamsMust))
	register(readMode("pep3333/input/iteration", "iterating over wsgi.input yields every line", "iter", Must, streamsMust))
	register(readMode("pep3333/input/read-no-argument", "read() without an argument returns the rest of the body", "read", Should,
		"A server should allow read() to be called without an argument, and return the remainder of the client's input stream."))

	register(&Check{
		ID:    "pep3333/input/eof-at-content-length",
		Title: "reading past Content-Length returns b\"\" instead of blocking",
		Ref:   pepStreams, Level: Should, Area: "input",
		Requires: []string{"pep3333/input/read-content-length"},
		Quote:    "The server is not required to read past the client's specified Content-Length, and should simulate an end-of-file condition if the application attempts to read past that point.",
		Observe: exchange(func(t *Target) []byte {
			return t.post(probes.Prefix+"echo?eof=1", "12345")
		}),
		Judge: func(o *Observation) Verdict {
			e, _, err := o.Echo(0, 0)
			if err != nil {
				if r := o.Response(0, 0); r == nil && o.Conns[0].End == wire.EndIdle {
					return violates("after the 5-byte body, read(1) blocked: no response came while the connection stayed open (the app hangs until the client sends more or gives up)")
				}
				return inconclusive("the probe's echo was not received: %v", err)
			}
			if e.Input.AfterEOF == nil {
				return inconclusive("the probe did not record the read past Content-Length")
			}
			if *e.Input.AfterEOF != 0 {
				return violates("read(1) past Content-Length returned %d byte(s): the app can read into the next request on the connection", *e.Input.AfterEOF)
			}
			return conforms("read(1) at Content-Length returned b''")
		},
	})

	register(&Check{
		ID:    "pep3333/input/empty-body-read",
		Title: "read() on a request without a body returns b\"\" at once",
		Ref:   pepStreams, Level: Should, Area: "input",
		Quote: "A server should return empty bytestrings from any attempt to read from an empty or exhausted input stream.",
		Observe: exchange(func(t *Target) []byte {
			return t.get(probes.Prefix + "echo?read=read")
		}),
		Judge: func(o *Observation) Verdict {
			e, _, err := o.Echo(0, 0)
			if err != nil {
				if o.Response(0, 0) == nil && o.Conns[0].End == wire.EndIdle {
					return violates("read() on a GET without a body blocked: no response came while the connection stayed open")
				}
				return inconclusive("the probe's echo was not received: %v", err)
			}
			if e.Input.Length != 0 || e.Input.Error != "" {
				return violates("read() on an empty body returned %d bytes %s", e.Input.Length, e.Input.Error)
			}
			return conforms("read() returned b''")
		},
	})

	register(&Check{
		ID:    "pep3333/input/stream-methods",
		Title: "wsgi.input has read, readline, readlines, __iter__; wsgi.errors has write, writelines, flush",
		Ref:   pepStreams, Level: Must, Area: "input",
		Quote:   streamsMust,
		Observe: exchange(func(t *Target) []byte { return t.get("/methods") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			var missing []string
			for _, m := range []string{"read", "readline", "readlines", "__iter__"} {
				if !e.InputMethods[m] {
					missing = append(missing, "wsgi.input."+m)
				}
			}
			for _, m := range []string{"write", "writelines", "flush"} {
				if !e.ErrorsMethods[m] {
					missing = append(missing, "wsgi.errors."+m)
				}
			}
			if len(missing) > 0 {
				return violates("missing methods: %s", joinKeys(missing)).with("wsgi.input", "wsgi.errors")
			}
			return conforms("all seven stream methods present")
		}),
	})

	register(&Check{
		ID:    "pep3333/input/errors-accepts-unicode",
		Title: "wsgi.errors accepts arbitrary unicode text",
		Ref:   pepEnviron, Level: Should, Area: "input",
		Quote:   "(On platforms where the str type is unicode, the error stream should accept and log arbitrary unicode without raising an error; it is allowed, however, to substitute characters that cannot be rendered in the stream's encoding.)",
		Observe: exchange(func(t *Target) []byte { return t.get(probes.Prefix + "errors") }),
		Judge: onEcho(func(e *probes.Echo) Verdict {
			var bad []string
			for _, op := range []string{"write", "writelines", "flush"} {
				if r := e.ResultString(op); r != "ok" {
					bad = append(bad, fmt.Sprintf("%s: %s", op, r))
				}
			}
			if len(bad) > 0 {
				return violates("writing '\\u00e9\\u2603' to wsgi.errors raised: %s", strings.Join(bad, "; "))
			}
			return conforms("write, writelines and flush accepted unicode")
		}),
	})
}
