package spec

import (
	"fmt"
	"time"

	"github.com/conform-wsgi/conform/probes"
)

// Recorded cases of the application-object checks (pep3333_application_object.go).

func init() { moreJudgeCases = append(moreJudgeCases, applicationObjectCases) }

// invokedWith is the echo's record of the server's call of the application object.
func invokedWith(positional int, keywords ...string) echoOpt {
	return func(e *probes.Echo) {
		e.Invocation = &probes.Invocation{Positional: positional, Keywords: append([]string{}, keywords...)}
	}
}

func applicationObjectCases() []judgeCase {
	t := recTarget

	// ---- the kind of callable, and how it is called ----
	const instance, positional = "pep3333/response/callable-instance-served", "pep3333/response/positional-arguments"
	objReq := reqGet(appObjectPath)
	argsReq := reqGet(appArgsPath)

	// ---- attributes looked up on the iterable ----
	const attrs = "pep3333/response/iterable-attributes-unused"
	iaReq := reqGet(probes.Prefix+"iterable-attributes?token=ia-c1-1", "Connection: close")
	iaResp := withLength("200 OK", []string{"Content-Type: text/plain", "Connection: close"}, "attributes-probe\n")
	iaStatusReq := reqGet(probes.Prefix + "attributes-status?token=ia-c1-1")
	looked := func(recorded bool, names ...string) func() *Observation {
		return func() *Observation {
			return obs(exch(iaReq, iaResp, true), exch(iaStatusReq, okEcho("GET", probes.Prefix+"attributes-status", "token=ia-c1-1",
				result("recorded", recorded, "attributes", append([]string{}, names...), "closed", true)), false))
		}
	}

	// ---- exc_info kept after start_response ----
	const released = "pep3333/start-response/exc-info-released"
	relReq := scenario("exc-info-released")(t)
	relResp := func(call, sentinel string, holders ...string) func() *Observation {
		body := echoBody("GET", probes.Prefix+"exc-info-released", "", result("exc_info_call", call, "sentinel", sentinel, "holders", append([]string{}, holders...)))
		return answered(relReq, jsonResp("500 Internal Server Error", body, "Connection: close"), true)
	}

	// ---- write() ----
	const write = "pep3333/start-response/write-unbuffered"
	writeReq := scenario("write-stream?chunks=3&delay_ms=300&size=16")(t)
	writeObs := func(parts ...part) func() *Observation {
		return func() *Observation {
			return withValues(obs(replayTimed("request", script(writeReq, 1, true), true, parts...)), "delay_ms", 300.0)
		}
	}
	chunk := func(i int) string { return fmt.Sprintf("10\r\n%s\r\n", probeBlock(i, 16)) }
	writeHead := httpResp("200 OK", []string{"Content-Type: text/plain", "Transfer-Encoding: chunked", "Connection: close"}, "")
	allBlocks := probeBlock(0, 16) + probeBlock(1, 16) + probeBlock(2, 16)

	// ---- a file wrapper made and not returned ----
	const bypassed = "pep3333/response/file-wrapper-only-when-returned"
	bpReq := append(t.get(fmt.Sprintf("%sfile-wrapper-bypassed?size=%d", probes.Prefix, bypassFileSize)), t.get("/after")...)
	file := string(openFileData(bypassFileSize))
	bpResp := func(used, body string, length int) string {
		return httpResp("200 OK", []string{"Content-Type: application/octet-stream", fmt.Sprintf("Content-Length: %d", length), "X-Conform-File-Wrapper: " + used}, body)
	}
	full := len(bypassMark) + bypassFileSize
	after := okEcho("GET", "/after", "")

	return []judgeCase{
		passes(instance, "served through the instance", echoed(objReq, "GET", appObjectPath, "", invokedWith(2)), "instance's __call__"),
		fails(instance, "a server that needs a function (reads __code__)", answered(objReq, textResp("500 Internal Server Error", "AttributeError: 'Application' object has no attribute '__code__'"), false), "500 Internal Server Error", "kind of callable"),
		gives(NotApplicable, instance, "the probe hosted as a function", echoed(objReq, "GET", appObjectPath, ""), "plain function"),
		gives(Inconclusive, instance, "a 404", answered(objReq, textResp("404 Not Found", "no such path"), false)),

		passes(positional, "two positional arguments", echoed(argsReq, "GET", appArgsPath, "", invokedWith(2)), "2 positional"),
		fails(positional, "environ= and start_response=", echoed(argsReq, "GET", appArgsPath, "", invokedWith(0, "environ", "start_response")), "0 positional", `"environ", "start_response"`),
		fails(positional, "start_response as a keyword", echoed(argsReq, "GET", appArgsPath, "", invokedWith(1, "start_response")), "1 positional", `"start_response"`),
		gives(NotApplicable, positional, "the probe hosted as a function", echoed(argsReq, "GET", appArgsPath, ""), "plain function"),

		passes(attrs, "close and isinstance's __class__ (wsgiref, gunicorn)", looked(true, "__class__", "close", "close"), "__class__, close"),
		passes(attrs, "hasattr __len__ (eventlet)", looked(true, "__len__", "close", "close"), "__len__, close"),
		passes(attrs, "nothing by name", looked(true), "nothing was looked up"),
		fails(attrs, "fileno probed for sendfile", looked(true, "__class__", "fileno", "read", "close"), `"fileno", "read"`),
		gives(Inconclusive, attrs, "no record (state not shared)", looked(false), "record"),

		passes(released, "released (wsgiref's exc_info = None)", relResp("returned", "dead"), "released", "returned"),
		passes(released, "raised, and released (uWSGI)", relResp("raised", "dead"), "released", "raised"),
		fails(released, "kept on the handler", relResp("returned", "alive", "Handler.__dict__"), "Handler.__dict__", "keeps the traceback"),
		fails(released, "kept, holder not found", relResp("returned", "alive"), "could not name"),
		gives(Inconclusive, released, "no report", answered(relReq, textResp("500 Internal Server Error", "Internal Server Error", "Connection: close"), true), "did not arrive"),

		passes(write, "each write() sent at once", writeObs(
			part{writeHead + chunk(0), 2 * time.Millisecond},
			part{chunk(1), 304 * time.Millisecond},
			part{chunk(2) + "0\r\n\r\n", 606 * time.Millisecond}), "604ms apart"),
		fails(write, "written bytes sent when the app returned (tornado)", writeObs(
			part{textResp("200 OK", allBlocks, "Connection: close"), 607 * time.Millisecond}), "arrived only 0s before block 3", "held what write() was given"),
		gives(Inconclusive, write, "body cut short", writeObs(part{writeHead + chunk(0), 2 * time.Millisecond})),

		passes(bypassed, "the generator's body", piped(2, bpReq, bpResp("used", bypassMark+file, full)+after, false), "4112 bytes"),
		gives(NotApplicable, bypassed, "no wsgi.file_wrapper", piped(2, bpReq, bpResp("absent", bypassMark+file, full)+after, false), "no wsgi.file_wrapper"),
		fails(bypassed, "the wrapped file sent in place of the generator", piped(2, bpReq, bpResp("used", file, full), true), "before the returned generator's first block"),
		fails(bypassed, "the file sent on wrapping, before the head", piped(2, bpReq, file+bpResp("used", bypassMark+file, full)+after, false), "before the returned generator's first block"),
		fails(bypassed, "the wrapper read the file: the generator got nothing", piped(2, bpReq, bpResp("used", bypassMark, full), true), "consumed or replaced"),
		fails(bypassed, "the file sent again after the body", piped(2, bpReq, bpResp("used", bypassMark+file, full)+file, false), "more bytes than its Content-Length"),
	}
}
