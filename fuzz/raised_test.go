package fuzz

import "testing"

func TestRaisedIn(t *testing.T) {
	gunicorn := `[2026-12-07 17:05:01 +0000] [41] [ERROR] Error handling request /__conform__/echo
Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/gunicorn/workers/sync.py", line 134, in handle
    req = next(parser)
  File "/usr/lib/python3/dist-packages/gunicorn/http/message.py", line 162, in set_body_reader
    raise UnsupportedTransferCoding(value)
gunicorn.http.errors.UnsupportedTransferCoding: x-cked
[2026-12-07 17:05:02 +0000] [41] [INFO] something after
`
	for _, c := range []struct{ log, want string }{
		{gunicorn, "gunicorn/http/message.py:162 UnsupportedTransferCoding"},
		// The last traceback is the one the replayed case raised.
		{"Traceback (most recent call last):\n  File \"/x/site-packages/a.py\", line 1, in f\nValueError\n" + gunicorn, "gunicorn/http/message.py:162 UnsupportedTransferCoding"},
		{"Traceback (most recent call last):\n  File \"/usr/lib/python3.11/wsgiref/handlers.py\", line 137, in run\n    self.result = application(self.environ, self.start_response)\nIndexError: list index out of range\n", "wsgiref/handlers.py:137 IndexError"},
		{"no traceback here\n", ""},
		// A traceback cut before its exception line names nothing.
		{"Traceback (most recent call last):\n  File \"/a/b.py\", line 3, in f\n    x()\n", ""},
	} {
		if got := raisedIn([]byte(c.log)); got != c.want {
			t.Errorf("raisedIn(%.60q...) = %q, want %q", c.log, got, c.want)
		}
	}
}

func TestLogSince(t *testing.T) {
	for _, c := range []struct{ before, after, want string }{
		{"a\nb\n", "a\nb\nc\n", "c\n"},
		{"a\nb\n", "a\nb\n", ""},
		// The bounded log dropped its oldest bytes meanwhile.
		{"old\nmiddle\n", "middle\nnew\n", "new\n"},
		// Nothing of before is left: all of after is new.
		{"gone\n", "all new\n", "all new\n"},
	} {
		if got := string(logSince([]byte(c.before), []byte(c.after))); got != c.want {
			t.Errorf("logSince(%q, %q) = %q, want %q", c.before, c.after, got, c.want)
		}
	}
}
