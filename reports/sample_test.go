package reports

import (
	"fmt"
	"time"

	"github.com/conform-wsgi/conform/spec"
)

// Hostile strings planted in the sample reports: every renderer must escape them or make
// them visible, never pass them through as markup or terminal control.
const (
	hostileResponse = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 61\r\n\r\n</pre><script>alert(1)</script>\x00\xff\x1b[31mred\x1b[0m\t'%s\\x00"
	hostileMessage  = "the server answered 400 with <img src=x onerror=alert(1)> | and a pipe\nsecond line \x1b[2J\u202eevil"
	hostileEnviron  = "str '</td><script>alert(3)</script>'"
	hostileLog      = "[INFO] Booting worker\n</pre><script>alert(2)</script>\x1b]0;owned\x07\n"
)

var sampleStart = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// sampleReport builds a realistic report from the real catalog: most checks pass, some
// MUST checks fail, SHOULD checks warn, MAY checks are info, a few error or are skipped,
// and one failure carries hostile bytes and markup.
func sampleReport(server, version string, seed int) *Report {
	r := &Report{
		Schema: SchemaVersion, Tool: "conform", ToolVersion: "0.4.0", CatalogVersion: "2025.03",
		Target: Target{
			Addr: "127.0.0.1:8000", Server: server, ServerVersion: version,
			Command: []string{"gunicorn", "-b", "127.0.0.1:8000", "probe:app"},
			Python:  "3.12.3", ProbeVersion: 1, Log: hostileLog,
		},
		Started:     sampleStart,
		Environment: Environment{Host: "ci-runner-7", GoVersion: "go1.26.8", Scale: 1},
	}
	var total time.Duration
	for i, c := range spec.All() {
		res := Result{
			ID: c.ID, Title: c.Title, Area: c.Area, Level: c.Level.String(),
			Spec: c.Ref.String(), SpecURL: c.Ref.URL(), Quote: c.Quote,
			Duration: Duration(time.Duration(3+i%17) * time.Millisecond),
		}
		total += time.Duration(res.Duration)
		k := (i*7 + seed*3) % 23
		switch {
		case k == 0:
			res.Status, res.Message = "error", "check timed out after 30s: read tcp 127.0.0.1:51034->127.0.0.1:8000: i/o timeout"
		case k == 1 || k == 2:
			res.Status, res.Message = "skip", "skipped: depends on rfc9112/7.1/chunked-body, which did not pass (fail)"
		case k < 7 && c.Level == spec.Must:
			res.Status, res.Message = "fail", "a valid chunked request was refused: the server answered 400 Bad Request and closed the connection"
		case k < 9 && c.Level == spec.Should:
			res.Status, res.Message = "warn", "chunk-size = 1*HEXDIG: the server accepted '+5' as a chunk size and served the request"
		case c.Level == spec.May:
			res.Status, res.Message = "info", "handled on 4 threads in 1 process; requests overlapped"
		default:
			res.Status, res.Message = "pass", "the app read the decoded body 'hello world'"
		}
		req := fmt.Sprintf("POST /__conform__/echo HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nTransfer-Encoding: chunked\r\nUser-Agent: conform/0.4.0\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
		resp := "HTTP/1.1 200 OK\r\nServer: " + server + "\r\nContent-Type: application/json\r\nContent-Length: 27\r\nConnection: keep-alive\r\n\r\n{\"input\": \"aGVsbG8gd29ybGQ=\"}"
		if res.Status != "pass" {
			resp = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\nBad Request"
		}
		if res.Status != "skip" {
			res.Evidence = []Evidence{{
				Label: "request", Request: []byte(req), Response: []byte(resp),
				End:     "connection closed after 4ms",
				Timings: []string{"response 1: head at 2ms, complete at 3ms"},
			}}
		}
		if c.Level == spec.Must && res.Status == "fail" && seed == 0 && !hostilePlanted(r) {
			res.Message = hostileMessage
			res.Evidence = append(res.Evidence, Evidence{
				Label: "pipelined", Request: []byte("GET /a HTTP/1.1\r\nHost: x\r\nX-Quote: it's 100%\r\n\r\n"),
				Response: []byte(hostileResponse), End: "connection reset after 12ms (bytes after the response)",
				Timings: []string{"started at +5ms", "response 1: head at 7ms, complete at 9ms"},
				Environ: map[string]string{"CONTENT_LENGTH": "(absent)", "HTTP_X_EVIL": hostileEnviron, "wsgi.input_terminated": "bool True"},
			})
		}
		r.Results = append(r.Results, res)
	}
	r.Duration = Duration((total + 812*time.Millisecond).Round(time.Millisecond))
	r.Tally()
	return r
}

// hostileResult is the result that carries the hostile message.
func hostileResult(r *Report) Result {
	for _, res := range r.Results {
		if res.Message == hostileMessage {
			return res
		}
	}
	panic("no hostile result in the sample")
}

func hostilePlanted(r *Report) bool {
	for _, res := range r.Results {
		if res.Message == hostileMessage {
			return true
		}
	}
	return false
}

// bigReport repeats the catalog to reach n results, for the at-scale rendering checks.
func bigReport(n int) *Report {
	base := sampleReport("gunicorn", "23.0.0", 0)
	r := *base
	r.Results = nil
	for i := 0; len(r.Results) < n; i++ {
		for _, res := range base.Results {
			if len(r.Results) == n {
				break
			}
			if i > 0 {
				res.ID = fmt.Sprintf("%s~%d", res.ID, i)
			}
			r.Results = append(r.Results, res)
		}
	}
	r.Tally()
	return &r
}
