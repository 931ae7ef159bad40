#!/usr/bin/env bash
# The test command: installs what the tests need from Debian packages (the real WSGI
# servers, chromium for the HTML report test), then runs every test with the race
# detector, and a short bounded fuzz of the reference parser.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-servers.sh

# Real servers are required, not optional, when CI=true; locally a missing one is skipped.
go vet ./...
go test -race -count=1 -timeout 25m ./...
go test -run='^$' -fuzz=FuzzInterpret -fuzztime=20s ./reference/
