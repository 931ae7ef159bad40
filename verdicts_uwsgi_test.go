package conform_test

import "github.com/conform-wsgi/conform/spec"

var _ = spec.Pass

// uwsgiVerdicts: where uwsgi 2.0.21-debian departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
var uwsgiVerdicts = serverVerdicts{
	server:  "uwsgi",
	version: "2.0.21-debian",
	verdicts: map[string]expect{
	},
}
