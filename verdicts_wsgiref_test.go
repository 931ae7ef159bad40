package conform_test

import "github.com/conform-wsgi/conform/spec"

var _ = spec.Pass

// wsgirefVerdicts: where wsgiref 3.11.2 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
var wsgirefVerdicts = serverVerdicts{
	server:  "wsgiref",
	version: "3.11.2",
	verdicts: map[string]expect{
	},
}
