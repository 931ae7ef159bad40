package probes

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// The application-object scenarios (spec/pep3333_application_object.go): under wsgiref, and
// in-process under servers that misbehave the way the checks look for.

// runPython runs script with the probe importable and decodes the JSON it prints.
func runPython(t *testing.T, script string, out interface{}) {
	t.Helper()
	requirePython(t)
	cmd := exec.Command(pythonPath, "-B", "-c", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("python output: %v\n%s", err, b)
	}
}

// inProcess is the prelude of runPython scripts: the probe imported from this directory and
// a minimal environ for a target.
const inProcess = `import io, json, os, sys, tempfile
sys.path.insert(0, os.getcwd())
os.environ["CONFORM_PROBE_STATE"] = tempfile.mkdtemp()
import probe
def environ(target):
    path, _, query = target.partition("?")
    return {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "x", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False,
            "wsgi.run_once": False}
def start_response(status, headers, exc_info=None):
    return lambda data: None
`

func TestProbeApplicationObjectScenarios(t *testing.T) {
	t.Parallel()
	p := startProbe(t)

	t.Run("call record", func(t *testing.T) {
		for _, path := range []string{"/application-arguments", "/__conform__/application-object"} {
			e := echoOf(t, p.get(t, path), "HTTP/1.0 200 OK")
			if e.Invocation == nil || e.Invocation.Positional != 2 || e.Invocation.Keywords == nil || len(e.Invocation.Keywords) != 0 {
				t.Errorf("%s: call = %+v, want 2 positional arguments and an empty keyword list", path, e.Invocation)
			}
		}
	})

	t.Run("iterable-attributes", func(t *testing.T) {
		r := p.get(t, "/__conform__/iterable-attributes?token=ia1")
		if cl, _ := r.header("Content-Length"); string(r.body) != "attributes-probe\n" || cl != "17" {
			t.Fatalf("%q", r.raw)
		}
		e := echoOf(t, p.get(t, "/__conform__/attributes-status?token=ia1"), "HTTP/1.0 200 OK")
		// wsgiref: isinstance(result, wsgi_file_wrapper) reads __class__; hasattr and the call
		// read close.
		want := []interface{}{"__class__", "close", "close"}
		if e.Result["recorded"] != true || e.Result["closed"] != true || !reflect.DeepEqual(e.Result["attributes"], want) {
			t.Errorf("result = %v, want attributes %v", e.Result, want)
		}
		e = echoOf(t, p.get(t, "/__conform__/attributes-status?token=never"), "HTTP/1.0 200 OK")
		if e.Result["recorded"] != false || e.Result["closed"] != false {
			t.Errorf("unknown token: %v", e.Result)
		}
	})

	t.Run("exc-info-released", func(t *testing.T) {
		r := p.get(t, "/__conform__/exc-info-released")
		e := echoOf(t, r, "HTTP/1.0 500 Internal Server Error")
		if e.ResultString("exc_info_call") != "returned" || e.ResultString("sentinel") != "dead" {
			t.Errorf("result = %v", e.Result)
		}
	})

	t.Run("write-stream", func(t *testing.T) {
		r := p.get(t, "/__conform__/write-stream?delay_ms=0")
		want := "0:.............\n1:.............\n2:.............\n"
		if string(r.body) != want {
			t.Errorf("body %q, want %q", r.body, want)
		}
	})

	t.Run("file-wrapper-bypassed", func(t *testing.T) {
		r := p.get(t, "/__conform__/file-wrapper-bypassed?size=300")
		data := make([]byte, 300)
		for i := range data {
			data[i] = byte(i)
		}
		cl, _ := r.header("Content-Length")
		if !bytes.Equal(r.body, append([]byte("generator-first\n"), data...)) || cl != "316" || !r.hasLine("X-Conform-File-Wrapper: used") {
			t.Errorf("%q", r.raw)
		}
	})
}

// TestProbeReportsHowItWasCalled calls the hosted object as servers should not: by keyword,
// and with too few arguments.
func TestProbeReportsHowItWasCalled(t *testing.T) {
	t.Parallel()
	var out struct {
		Keywords, Mixed Invocation
		TooFew          string
	}
	runPython(t, inProcess+`
def call_of(result):
    return json.loads(b"".join(result))["invocation"]
out = {"Keywords": call_of(probe.app(environ=environ("/x"), start_response=start_response)),
       "Mixed": call_of(probe.app(environ("/x"), start_response=start_response))}
try:
    probe.app(environ("/x"))
except TypeError as exc:
    out["TooFew"] = str(exc)
print(json.dumps(out))
`, &out)
	if out.Keywords.Positional != 0 || !reflect.DeepEqual(out.Keywords.Keywords, []string{"environ", "start_response"}) {
		t.Errorf("keywords: %+v", out.Keywords)
	}
	if out.Mixed.Positional != 1 || !reflect.DeepEqual(out.Mixed.Keywords, []string{"start_response"}) {
		t.Errorf("mixed: %+v", out.Mixed)
	}
	if !strings.Contains(out.TooFew, "called with 1 arguments") {
		t.Errorf("one argument: %q", out.TooFew)
	}
}

// TestProbeSeesWhatAServerDoesWithTheIterableAndExcInfo: a server that probes the iterable
// for fileno, and one that keeps exc_info on its handler, are both reported.
func TestProbeSeesWhatAServerDoesWithTheIterableAndExcInfo(t *testing.T) {
	t.Parallel()
	var out struct {
		Attributes []string
		Sentinel   string
		Holders    []string
		Call       string
	}
	runPython(t, inProcess+`
result = probe.app(environ("/__conform__/iterable-attributes?token=t1"), start_response)
getattr(result, "fileno", None)
body = b"".join(result)
result.close()
status = json.loads(b"".join(probe.app(environ("/__conform__/attributes-status?token=t1"), start_response)))
class Handler:
    def start_response(self, status, headers, exc_info=None):
        self.exc_info = exc_info
        return lambda data: None
handler = Handler()
kept = json.loads(b"".join(probe.app(environ("/__conform__/exc-info-released"), handler.start_response)))
print(json.dumps({"Attributes": status["result"]["attributes"], "Sentinel": kept["result"]["sentinel"],
                  "Holders": kept["result"]["holders"], "Call": kept["result"]["exc_info_call"]}))
`, &out)
	if !reflect.DeepEqual(out.Attributes, []string{"fileno", "close"}) {
		t.Errorf("attributes %q, want fileno then close", out.Attributes)
	}
	if out.Sentinel != "alive" || out.Call != "returned" || len(out.Holders) == 0 || !strings.Contains(strings.Join(out.Holders, " "), "Handler") {
		t.Errorf("a kept exc_info: sentinel %q call %q holders %q", out.Sentinel, out.Call, out.Holders)
	}
}
