package conform_test

import "github.com/conform-wsgi/conform/spec"

var _ = spec.Pass

// waitressVerdicts: where waitress 2.1.2 departs from the catalog, each verdict with the server source that
// explains it (files under /usr/lib/python3/dist-packages/ unless noted).
var waitressVerdicts = serverVerdicts{
	server:  "waitress",
	version: "2.1.2",
	verdicts: map[string]expect{
	},
}
