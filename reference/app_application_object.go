package reference

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/conform-wsgi/conform/probes"
)

// The probe scenarios of how a server treats the application object and its iterable
// (spec/pep3333_application_object.go), and the deviations of that family. The reference
// calls its application with two positional arguments; the echo's "invocation" says so, as
// probe.py's Application reports the server's call.

func init() {
	jsonScenarios["application-object"] = (*probeRequest).applicationObject
	jsonScenarios["attributes-status"] = (*probeRequest).attributesStatus
	jsonScenarios["exc-info-released"] = (*probeRequest).excInfoReleased
	otherScenarios["iterable-attributes"] = (*probeRequest).iterableAttributes
	otherScenarios["write-stream"] = (*probeRequest).writeStream
	otherScenarios["file-wrapper-bypassed"] = (*probeRequest).fileWrapperBypassed
}

// appCall is Application.__call__'s record of how the gateway called the application.
func (r *probeRequest) appCall() *probes.Invocation {
	if r.x.dev.AppCalledWithKeywords {
		return &probes.Invocation{Positional: 0, Keywords: []string{"environ", "start_response"}}
	}
	return &probes.Invocation{Positional: 2, Keywords: []string{}}
}

// applicationObject is the echo on the path of its own that callable-instance-served reads.
func (r *probeRequest) applicationObject() (*appIter, error) {
	if r.x.dev.CallableInstanceRefused {
		return nil, &pyError{"AttributeError", "'Application' object has no attribute '__code__'"}
	}
	return r.echo()
}

// attributesPath is <state>/<token>.attributes, beside the close marker.
func (r *probeRequest) attributesPath() (string, string, error) {
	marker, err := r.marker()
	if err != nil {
		return "", "", err
	}
	return strings.TrimSuffix(marker, ".closed") + ".attributes", marker, nil
}

// iterableAttributes is scenario_iterable_attributes. The gateway looks up one attribute of
// the iterable by name, close (run's it.close test), which the record gets as probe.py's
// AttributeRecorder would.
func (r *probeRequest) iterableAttributes() (*appIter, error) {
	log, marker, err := r.attributesPath()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(log), 0o755); err != nil {
		return nil, &pyError{"OSError", err.Error()}
	}
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		return nil, &pyError{"OSError", err.Error()}
	}
	body := []byte("attributes-probe\n")
	if _, err := r.start("200 OK", headers(textType, contentLength(len(body))), nil); err != nil {
		return nil, err
	}
	s := r.x.c.s
	record := func(name string) {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			s.logf("attribute record: %v", err)
			return
		}
		defer f.Close()
		if _, err := f.WriteString(name + "\n"); err != nil {
			s.logf("attribute record: %v", err)
		}
	}
	if r.x.dev.IterableFilenoProbed {
		record("fileno")
	}
	it := listIter(body)
	it.close = func() {
		record("close")
		stamp := strconv.FormatFloat(unixSeconds(time.Now()), 'f', -1, 64) + "\n"
		if err := os.WriteFile(marker, []byte(stamp), 0o644); err != nil {
			s.logf("close(): %v", err)
		}
	}
	return it, nil
}

// attributesStatus is scenario_attributes_status.
func (r *probeRequest) attributesStatus() (*appIter, error) {
	log, marker, err := r.attributesPath()
	if err != nil {
		return nil, err
	}
	result := map[string]any{"recorded": false, "attributes": []string{}, "closed": false}
	if b, err := os.ReadFile(log); err == nil {
		names := []string{}
		for _, n := range strings.SplitAfter(string(b), "\n") {
			if n != "" {
				names = append(names, strings.TrimSuffix(n, "\n"))
			}
		}
		result["recorded"], result["attributes"] = true, names[:min(len(names), 1000)]
	}
	if _, err := os.Stat(marker); err == nil {
		result["closed"] = true
	}
	return r.jsonAnswer(r.document(result), "200 OK")
}

// excInfoReleased is scenario_exc_info_released: start_response('500 ...', h, exc_info) on
// the first call, then whether the gateway still holds the exception.
func (r *probeRequest) excInfoReleased() (*appIter, error) {
	doc := r.document(nil)
	worst := map[string]any{"exc_info_call": "returned", "sentinel": "alive",
		"holders": []string{strings.Repeat("x", 40), strings.Repeat("x", 40), strings.Repeat("x", 40), strings.Repeat("x", 40)}}
	length := len(dumps(withResult(doc, worst)))
	h := headers(jsonType, contentLength(length))
	exc := &pyError{"ValueError", "conform probe: deliberate error for exc_info"}
	result := map[string]any{"exc_info_call": "returned", "sentinel": "dead", "holders": []string{}}
	if _, err := r.start("500 Internal Server Error", h, exc); err != nil {
		if _, ok := pyException(err); !ok {
			return nil, err
		}
		result["exc_info_call"] = "raised"
		if _, err := r.start("500 Internal Server Error", h, err); err != nil {
			return nil, err
		}
	}
	if r.x.dev.ExcInfoRetained {
		result["sentinel"], result["holders"] = "alive", []string{"exchange.__dict__"}
	}
	return listIter(fixedLengthBody(doc, result, length)), nil
}

// writeStream is scenario_write_stream: the stream's blocks through write(), returning [].
func (r *probeRequest) writeStream() (*appIter, error) {
	chunks, delay, size, err := r.streamParams()
	if err != nil {
		return nil, err
	}
	write, err := r.start("200 OK", headers(textType), nil)
	if err != nil {
		return nil, err
	}
	var held [][]byte
	for i := 0; i < chunks; i++ {
		if i > 0 && !r.x.c.s.sleep(time.Duration(delay)*time.Millisecond) {
			return nil, errAbort
		}
		if r.x.dev.WriteHeldUntilReturn {
			held = append(held, block(i, size))
			continue
		}
		if err := write(block(i, size)); err != nil {
			return nil, err
		}
	}
	// The held bytes go out as the application returns, as from a buffer flushed only then.
	return listIter(held...), nil
}

// bypassMark is probe.py's BYPASS_MARK.
const bypassMark = "generator-first\n"

// fileWrapperBypassed is scenario_file_wrapper_bypassed: a wrapper made and kept, and a
// generator over the same file returned instead.
func (r *probeRequest) fileWrapperBypassed() (*appIter, error) {
	size, err := r.integer("size", 0, probeMaxSize, 4096)
	if err != nil {
		return nil, err
	}
	data := fileBytes(size)
	_, wrapper := r.x.env.m["wsgi.file_wrapper"]
	used := "absent"
	var wrapped *appIter
	if wrapper {
		wrapped, used = r.x.fileWrapper(data, 0), "used"
	}
	h := headers(Field{"Content-Type", "application/octet-stream"}, contentLength(len(bypassMark)+size), Field{"X-Conform-File-Wrapper", used})
	if _, err := r.start("200 OK", h, nil); err != nil {
		return nil, err
	}
	if wrapped != nil && r.x.dev.FileWrapperOfRequestSent {
		return wrapped, nil
	}
	return generator(func(i int) ([]byte, error) {
		switch i {
		case 0:
			return []byte(bypassMark), nil
		case 1:
			return data, nil
		}
		return nil, io.EOF
	}), nil
}
