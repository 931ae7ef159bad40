package conform_test

// gunicornEventletVerdicts: where gunicorn-eventlet 20.1.0 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
// The installed package is Debian's 20.1.0-6+deb12u1, which backports the CVE-2024-1135
// request-smuggling fixes (strict Transfer-Encoding and Content-Length handling) to 20.1.0.
// The request parser and Response are gunicorn-sync's (gunicorn/http/); the eventlet worker
// (gunicorn/workers/geventlet.py) runs each connection in workers/base_async.py (AsyncWorker), whose
// keep-alive loop serves further requests on the same connection.
var gunicornEventletVerdicts = serverVerdicts{
	server:  "gunicorn-eventlet",
	version: "20.1.0",
	// The eventlet and gevent workers are both workers/base_async.py AsyncWorker subclasses:
	// every verdict, and the source line behind it, is the same.
	verdicts: gunicornGeventVerdicts.verdicts,
}
