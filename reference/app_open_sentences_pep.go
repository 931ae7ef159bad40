package reference

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// The probe scenario of the PEP 3333 open-sentence family (spec/open_sentences_pep.go):
// wsgi.file_wrapper over a file-like object that has read() and close() but no fileno().

func init() {
	otherScenarios["file-wrapper-filelike"] = (*probeRequest).fileWrapperFilelike
	jsonScenarios["start-response-after-error"] = (*probeRequest).startResponseAfterError
}

// startResponseAfterError is scenario_start_response_after_error: a start_response call the
// gateway refuses, then one without exc_info. The probe's refused call offers a header value
// that is an int; the reference's headers are typed str, so it offers one holding \x01,
// which it refuses in the same way, by raising.
func (r *probeRequest) startResponseAfterError() (*appIter, error) {
	doc := r.document(nil)
	worst := map[string]any{"first_call": "returned", "second_call": "returned", "exception": strings.Repeat("x", probeExcRoom)}
	length := len(dumps(withResult(doc, worst)))
	hdrs := func(extra ...Field) *headerList {
		return headers(append([]Field{jsonType, contentLength(length)}, extra...)...)
	}
	result := map[string]any{"first_call": "returned", "second_call": "", "exception": ""}
	if _, err := r.start("200 OK", hdrs(Field{"X-Conform-Value", "bad\x01value"}), nil); err != nil {
		if _, ok := pyException(err); !ok {
			return nil, err
		}
		result["first_call"] = "raised"
		if _, err := r.start("200 OK", hdrs(Field{"X-Conform-Call", "second"}), nil); err != nil {
			text, ok := pyException(err)
			if !ok {
				return nil, err
			}
			result["second_call"], result["exception"] = "raised", text
			if _, err := r.start("500 Internal Server Error", hdrs(), err); err != nil {
				if _, ok := pyException(err); !ok {
					return nil, err
				}
			}
		} else {
			result["second_call"] = "returned"
		}
	}
	return listIter(fixedLengthBody(doc, result, length)), nil
}

// fileWrapperFilelike is scenario_file_wrapper_filelike: the ProbeFile's close() leaves the
// close marker, so close-status shows whether the wrapper's close() reached it.
func (r *probeRequest) fileWrapperFilelike() (*appIter, error) {
	path, err := r.marker()
	if err != nil {
		return nil, err
	}
	size, err := r.integer("size", 0, probeMaxSize, 4096)
	if err != nil {
		return nil, err
	}
	data := fileBytes(size)
	_, wrapper := r.x.env.m["wsgi.file_wrapper"]
	used := "absent"
	if wrapper {
		used = "used"
	}
	h := headers(Field{"Content-Type", "application/octet-stream"}, contentLength(size), Field{"X-Conform-File-Wrapper", used})
	if _, err := r.start("200 OK", h, nil); err != nil {
		return nil, err
	}
	if !wrapper {
		return listIter(data), nil
	}
	if r.x.dev.FileWrapperNeedsFileno {
		// A wrapper built only for sendfile: wsgi.file_wrapper(f) fails on a file without one.
		return nil, &pyError{"AttributeError", "'ProbeFile' object has no attribute 'fileno'"}
	}
	it := r.x.fileWrapper(data, 0)
	if !r.x.dev.FileWrapperCloseSkipsFile {
		s := r.x.c.s
		it.close = func() {
			stamp := strconv.FormatFloat(unixSeconds(time.Now()), 'f', -1, 64) + "\n"
			if err := os.WriteFile(path, []byte(stamp), 0o644); err != nil {
				s.logf("close(): %v", err)
			}
		}
	}
	return it, nil
}
