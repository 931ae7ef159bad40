package conform_test

import "github.com/conform-wsgi/conform/spec"

var _ = spec.Pass

// gunicornSyncVerdicts: where gunicorn-sync 20.1.0 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
var gunicornSyncVerdicts = serverVerdicts{
	server:  "gunicorn-sync",
	version: "20.1.0",
	verdicts: map[string]expect{
	},
}
