package spec

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
	"github.com/conform-wsgi/conform/wire"
)

// How a server treats the application object and what it returns: the kind of callable,
// how it is called, which attributes of the iterable it touches, the exc_info it is handed,
// the write() callable, and when platform-specific file handling may happen. Servers host
// probe:app, an instance of a class with __call__(*args, **kwargs) that reports its call in
// every echo (PROTOCOL.md, "invocation").

var (
	pepOverview    = Ref{"PEP 3333", "Specification Overview"}
	pepWriteCall   = Ref{"PEP 3333", "The write() Callable"}
	appObjectPath  = probes.Prefix + "application-object"
	appArgsPath    = "/application-arguments"
	bypassMark     = "generator-first\n"
	bypassFileSize = 4096
)

// iterableAttributesAllowed are the names PEP 3333 lets a server look up on any iterable:
// iteration, close(), len() ("Handling the Content-Length Header"), and __class__, which
// isinstance() reads when the server tests for its own file wrapper type.
var iterableAttributesAllowed = map[string]bool{"__iter__": true, "__next__": true, "close": true, "__len__": true, "__class__": true}

func init() {
	register(&Check{
		ID:    "pep3333/response/callable-instance-served",
		Title: "the application object is served when it is an instance with __call__, not a function",
		Ref:   pepOverview, Level: Must, Area: "response",
		Quote:   "Conversely, a server, gateway, or application that is invoking a callable must not have any dependency on what kind of callable was provided to it.",
		Observe: exchange(func(t *Target) []byte { return t.get(appObjectPath) }),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			if r.Status >= 500 {
				return violates("the probe, hosted as an instance of a class with __call__ rather than a function, was answered %d %s: the server depends on the kind of callable it was given", r.Status, r.Reason)
			}
			e, _, err := o.Echo(0, 0)
			if err != nil {
				return inconclusive("the echo did not arrive: %v", err)
			}
			if e.Invocation == nil {
				return notApplicable("the echo has no invocation record: the probe was hosted as a plain function, so the kind of callable was not varied")
			}
			return conforms("served through the instance's __call__ (a class whose instances are the iterable is not hosted)")
		},
	})

	register(&Check{
		ID:    "pep3333/response/positional-arguments",
		Title: "the application object is called with environ and start_response as two positional arguments",
		Ref:   pepSpecDetails, Level: Must, Area: "response",
		Quote:   "A server or gateway must invoke the application object using positional (not keyword) arguments.",
		Observe: exchange(func(t *Target) []byte { return t.get(appArgsPath) }),
		Judge: func(o *Observation) Verdict {
			e, _, err := o.Echo(0, 0)
			if err != nil {
				return inconclusive("the echo did not arrive: %v", err)
			}
			if e.Invocation == nil {
				return notApplicable("the echo has no invocation record: the probe was hosted as a plain function, which cannot tell how it was called")
			}
			if e.Invocation.Positional != 2 || len(e.Invocation.Keywords) > 0 {
				return violates("the application object was called with %d positional arguments and keywords %s: an application declared app(environ, start_response) with other parameter names, or with positional-only ones, cannot be called that way", e.Invocation.Positional, quoteList(e.Invocation.Keywords))
			}
			return conforms("called with 2 positional arguments and no keywords")
		},
	})

	register(&Check{
		ID:    "pep3333/response/iterable-attributes-unused",
		Title: "the server looks up nothing on the returned iterable beyond iteration, close(), len() and its type",
		Ref:   pepSpecDetails, Level: Must, Area: "response",
		Quote:   "Finally, servers and gateways must not directly use any other attributes of the iterable returned by the application, unless it is an instance of a type specific to that server or gateway, such as a \"file wrapper\" returned by wsgi.file_wrapper (see Optional Platform-Specific File Handling).",
		Observe: observeIterableAttributes,
		Judge:   judgeIterableAttributes,
	})

	register(&Check{
		ID:    "pep3333/start-response/exc-info-released",
		Title: "start_response keeps no reference to exc_info once it has returned",
		Ref:   pepStartResponse, Level: Should, Area: "start-response",
		Quote:   "Note: servers, gateways, or middleware implementing start_response should ensure that no reference is held to the exc_info parameter beyond the duration of the function's execution, to avoid creating a circular reference through the traceback and frames involved.",
		Observe: exchange(scenario("exc-info-released")),
		Judge: func(o *Observation) Verdict {
			r := o.Response(0, 0)
			if r == nil {
				return inconclusive("no response (%s)", o.ending(0))
			}
			e, err := probes.Decode(r.Body)
			if err != nil {
				return inconclusive("the probe's report did not arrive (%d %s): %v", r.Status, r.Reason, err)
			}
			// A call that raised (uWSGI's re-raise of the exc_info it was handed) may hold the
			// traceback all the same: the sentinel is judged either way.
			call := "returned"
			if e.ResultString("exc_info_call") == "raised" {
				call = "raised"
			}
			switch e.ResultString("sentinel") {
			case "alive":
				held := "something the probe could not name"
				if hs, _ := e.Result["holders"].([]interface{}); len(hs) > 0 {
					var names []string
					for _, h := range hs {
						names = append(names, fmt.Sprint(h))
					}
					held = strings.Join(names, ", ")
				}
				return violates("after start_response('500 ...', headers, sys.exc_info()) %s and the app left its except clause, an object referenced only by the raising frame was still alive: the server keeps the traceback (held by %s), so every frame of the failed call and its locals live on (until the collector breaks the cycle)", call, held)
			case "dead":
				return conforms("the traceback and its frames were released as soon as start_response %s", call)
			}
			return inconclusive("the probe did not report the sentinel: %q", e.ResultString("sentinel"))
		},
	})

	register(&Check{
		ID:    "pep3333/start-response/write-unbuffered",
		Title: "bytes passed to write() are on their way to the client before the application writes more",
		Ref:   pepWriteCall, Level: Must, Area: "start-response", Timing: true,
		Quote: "In other words, before write() returns, it must guarantee that the passed-in bytestring was either completely sent to the client, or that it is buffered for transmission while the application proceeds onward.",
		// A server whose buffer is transmitted while the app proceeds delivers the blocks at
		// least one delay apart; one that holds write()'s bytes until the app returns, at once.
		Observe: spacedBlocks("write-stream"),
		Judge:   judgeSpacedBlocks("written", "the app called write() 3 times %v apart, but block 1 arrived only %v before block 3: the server held what write() was given until the application had finished, instead of sending it or transmitting its buffer while the application proceeded"),
	})

	register(&Check{
		ID:    "pep3333/response/file-wrapper-only-when-returned",
		Title: "a file wrapper the app made but did not return leaves the returned iterable's body untouched",
		Ref:   openPepFileHandling, Level: Must, Area: "response",
		Quote: "The actual implementation of any platform-specific file handling must occur after the application returns, and the server or gateway checks to see if a wrapper object was returned.",
		Observe: pipeline(2, func(t *Target) []byte {
			return append(t.get(fmt.Sprintf("%sfile-wrapper-bypassed?size=%d", probes.Prefix, bypassFileSize)), t.get("/after")...)
		}),
		Judge: judgeFileWrapperBypassed,
	})
}

// judgeFileWrapperBypassed: the app wrapped f, returned a generator yielding a mark and then
// f.read(); only the generator's bytes may be sent, in its order.
func judgeFileWrapperBypassed(o *Observation) Verdict {
	x := o.Conns[0].Exchange
	data := openFileData(bypassFileSize)
	// The file's first 256 bytes are every byte value once: nothing else looks like them.
	if at := bytes.Index(x.Raw, data[:256]); at >= 0 {
		if mark := bytes.Index(x.Raw, []byte(bypassMark)); mark < 0 || at < mark {
			return violates("the file the app wrapped with wsgi.file_wrapper but did not return was sent before the returned generator's first block %s: its file handling ran before the application returned, or without checking what was returned", quoteBytes(bypassMark))
		}
	}
	r := o.Response(0, 0)
	if r == nil {
		return inconclusive("no response (%s)", o.ending(0))
	}
	if fw, _ := r.Get("X-Conform-File-Wrapper"); fw != "used" {
		return notApplicable("the server offers no wsgi.file_wrapper")
	}
	want := append([]byte(bypassMark), data...)
	if !bytes.Equal(r.Body, want) {
		return violates("the app returned a generator yielding %s and then f.read() of the %d-byte file it had also wrapped, but the body is %d bytes differing at byte %d: the unreturned wrapper consumed or replaced the file's data", quoteBytes(bypassMark), bypassFileSize, len(r.Body), firstDiff(r.Body, want))
	}
	if x.Garbage != "" {
		return violates("the generator's body was sent, then more bytes than its Content-Length (%s)", x.Garbage)
	}
	return conforms("only the returned generator's %d bytes were sent", len(want))
}

// observeIterableAttributes gets iterable-attributes, then polls attributes-status until the
// iterable's close() was called (the last thing a server does with it) or 3s passed.
func observeIterableAttributes(ctx context.Context, t *Target) (*Observation, error) {
	token := fmt.Sprintf("ia-%s-%d", t.nextID(), time.Now().UnixNano())
	x, err := t.Do(ctx, wire.Request(t.get(probes.Prefix+"iterable-attributes?token="+token, "Connection: close")))
	if err != nil {
		return nil, fmt.Errorf("iterable-attributes: %w", err)
	}
	o := &Observation{Conns: []*Conn{{Label: "iterable-attributes", Exchange: x}}}
	poll := time.Now().Add(t.dur(3 * time.Second))
	for {
		s := wire.Request(t.get(probes.Prefix + "attributes-status?token=" + token))
		s.IdleTimeout = time.Until(poll)
		y, err := t.Do(ctx, s)
		if err != nil {
			return nil, fmt.Errorf("attributes-status: %w", err)
		}
		st := &Conn{Label: "attributes-status", Exchange: y}
		e, _, err := (&Observation{Conns: []*Conn{st}}).Echo(0, 0)
		if (err == nil && e.Result["closed"] == true) || time.Now().After(poll) || ctx.Err() != nil {
			o.Conns = append(o.Conns, st)
			return o, nil
		}
		time.Sleep(t.dur(100 * time.Millisecond))
	}
}

func judgeIterableAttributes(o *Observation) Verdict {
	r := o.Response(0, 0)
	if r == nil {
		return inconclusive("no response (%s)", o.ending(0))
	}
	e, _, err := o.Echo(len(o.Conns)-1, 0)
	if err != nil {
		return inconclusive("attributes-status was not answered: %v", err)
	}
	if e.Result["recorded"] != true {
		return inconclusive("the probe's record of attribute lookups is missing (the state directory is not shared by the process that served the iterable?)")
	}
	names, _ := e.Result["attributes"].([]interface{})
	seen := map[string]bool{}
	var other, allowed []string
	for _, n := range names {
		s := fmt.Sprint(n)
		if seen[s] {
			continue
		}
		seen[s] = true
		if iterableAttributesAllowed[s] {
			allowed = append(allowed, s)
		} else {
			other = append(other, s)
		}
	}
	sort.Strings(other)
	sort.Strings(allowed)
	if len(other) > 0 {
		return violates("the server looked up %s on the application's iterable, an object of the application's own type: PEP 3333 leaves a server iteration, close() and len() of it, and any other attribute is the application's", quoteList(other))
	}
	if len(allowed) == 0 {
		return conforms("nothing was looked up on the iterable by name")
	}
	return conforms("looked up only %s", strings.Join(allowed, ", "))
}
