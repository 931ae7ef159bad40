package reference_test

// The mutation table: proof that every check can fail.
//
// Each row names one deviation of the reference (a deliberate bug, see deviations.go) and the
// exact set of checks that must not pass against a reference with that bug: fail, warn, info
// or error. A skip is never counted (a check whose prerequisite did not pass is skipped, not
// failed in cascade). The test asserts, row by row, that the non-passing set is exactly the
// row's set, so a deviation that stops breaking its check, or starts breaking an unrelated
// one, is caught; the row with no deviation asserts that the conforming reference passes
// everything.
//
// It also asserts that every check of spec.All() is listed in some row, so a new check
// without a deviation that makes it fail does not land, and that every deviation has a row.
//
// Scheduling rule, to keep the test fast and the timing-sensitive checks honest:
//   - Phase 1: every row runs the catalog WITHOUT the concurrency area, at most three
//     reference servers at once. Within a row, checks run side by side as far as their
//     Requires allow (a check starts once the checks it requires are done, and is skipped,
//     as spec.Run skips it, when one of them did not pass); except in rows that target
//     concurrency, whose deviations may make the server serve one request or connection at
//     a time (Serialise, SingleConnection): those run their checks one at a time, in
//     spec.Run's order, as `conform` would.
//   - Phase 2: the concurrency-area checks run ONLY in rows that target concurrency (a
//     concurrency-area check in their set) and in the row with no deviation, after phase 1,
//     one row at a time, one check at a time, so nothing else on the machine disturbs the
//     timing they measure.
//
// Every check is measured once (spec.RunOne): the reference is deterministic, so a timing
// check that needs a second trial to pass is a failure here.

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/reference"
	"github.com/conform-wsgi/conform/spec"
)

// mutation is one row of the table.
type mutation struct {
	dev   string   // deviation name ("" for the conforming reference)
	value string   // its value, for deviations that take one (BytesEnviron, DropEnviron)
	fails []string // exactly the checks that must not pass
}

func (m mutation) String() string {
	switch {
	case m.dev == "":
		return "no deviation"
	case m.value != "":
		return m.dev + "=" + m.value
	}
	return m.dev
}

const concurrencyArea = "concurrency"

var mutations = []mutation{
	// The conforming reference passes everything.
	{"", "", nil},

	// ---- Request parsing ----
	{"AcceptObsFoldRaw", "", []string{"rfc9112/5.2/obs-fold"}},
	{"AcceptWhitespaceBeforeColon", "", []string{"rfc9112/5.1/whitespace-before-colon"}},
	{"AcceptInvalidFieldNames", "", []string{"rfc9112/5/invalid-field-name"}},
	{"AcceptBareCR", "", []string{"rfc9112/2.2/bare-cr-in-field"}},
	{"AcceptNUL", "", []string{"rfc9110/5.5/nul-in-field-value"}},
	{"AcceptWhitespacePrecededLine", "", []string{"rfc9112/2.2/whitespace-after-start-line"}},
	{"LenientRequestLine", "", []string{"rfc9112/3/invalid-request-line"}},
	{"AcceptMissingHost", "", []string{"rfc9112/3.2/missing-host"}},
	{"AcceptDuplicateHost", "", []string{"rfc9112/3.2/duplicate-host"}},
	{"AcceptInvalidHost", "", []string{"rfc9112/3.2/invalid-host"}},
	{"RejectAbsoluteForm", "", []string{"pep3333/environ/absolute-form-target"}},
	{"KeepTrailingWhitespace", "", []string{"pep3333/environ/header-value-ows-trimmed"}},
	// Leading whitespace kept breaks every check that reads a header value.
	{"KeepHeaderWhitespace", "", []string{
		"pep3333/environ/content-type-length", "pep3333/environ/header-value-ows-trimmed",
		"pep3333/environ/host-header", "pep3333/environ/http-header-mapping",
		"pep3333/environ/underscore-header-no-collision", "rfc9112/2.2/bare-lf-line-ending", "rfc9112/5.2/obs-fold"}},

	// ---- Framing: Content-Length and Transfer-Encoding ----
	{"PreferContentLength", "", []string{"rfc9112/6.1/te-and-content-length"}},
	{"AcceptSignedContentLength", "", []string{"rfc9112/6.3/content-length-negative", "rfc9112/6.3/content-length-plus"}},
	{"AcceptInvalidContentLengthList", "", []string{"rfc9112/6.3/content-length-conflict", "rfc9112/6.3/content-length-repeated-conflict"}},
	{"ContentLengthWraps", "", []string{"rfc9110/8.6/content-length-overflow"}},
	// atoi() reads "1_0" as 1, as it reads "5a" as 5.
	{"ContentLengthDigitPrefix", "", []string{"rfc9112/6.3/content-length-non-digit", "rfc9112/6.3/content-length-underscore"}},
	// int() takes a sign as well as underscores.
	{"ContentLengthPythonInt", "", []string{"rfc9112/6.3/content-length-negative", "rfc9112/6.3/content-length-plus", "rfc9112/6.3/content-length-underscore"}},
	{"ContentLengthListVerbatim", "", []string{"rfc9112/6.3/content-length-identical-list"}},
	{"AcceptTENotFinalChunked", "", []string{"rfc9112/6.1/unknown-transfer-coding", "rfc9112/6.3/te-chunked-not-final"}},
	{"CaseSensitiveCodings", "", []string{"rfc9112/6.1/te-case-insensitive"}},
	// gunicorn 20.1: a 500 where a 400 or a 501 is due.
	{"TransferCodingServerError", "", []string{"rfc9112/6.1/te-list/empty-element-leading", "rfc9112/6.1/te-list/empty-element-trailing",
		"rfc9112/6.1/te-list/gzip-chunked-lines", "rfc9112/6.1/te-list/nbsp", "rfc9112/6.1/unknown-transfer-coding", "rfc9112/6.3/te-chunked-not-final"}},
	// Without chunked support every check sending Transfer-Encoding fails (the chunked-body
	// dependents are skipped).
	{"NoChunkedSupport", "", []string{
		"rfc9112/6.1/te-and-content-length", "rfc9112/6.1/te-in-http10", "rfc9112/6.1/unknown-transfer-coding",
		"rfc9112/6.3/te-chunked-not-final", "rfc9112/7.1/chunked-body"}},

	// ---- Framing: the chunked coding ----
	{"AcceptChunkSizePrefix", "", []string{"rfc9112/7.1/chunk-size-0x-prefix", "rfc9112/7.1/chunk-size-leading-space", "rfc9112/7.1/chunk-size-sign"}},
	{"ChunkSizeHexPrefix", "", []string{"rfc9112/7.1/chunk-size-non-hex"}},
	// int(x, 16) takes whitespace, a sign and 0x as well as underscores.
	{"ChunkSizePythonInt", "", []string{
		"rfc9112/7.1/chunk-size-0x-prefix", "rfc9112/7.1/chunk-size-leading-space", "rfc9112/7.1/chunk-size-sign",
		"rfc9112/7.1/chunk-size-underscore"}},
	{"ChunkSizeOverflowWraps", "", []string{"rfc9112/7.1/chunk-size-overflow"}},
	{"IgnoreChunkCRLF", "", []string{"rfc9112/7.1/chunk-data-crlf"}},
	{"RejectChunkExtensions", "", []string{"rfc9112/7.1.1/chunk-extensions-ignored"}},
	{"RejectChunkExtensionBWS", "", []string{"rfc9112/7.1.1/chunk-extension-quoted-bws"}},
	{"MishandleTrailers", "", []string{"rfc9112/7.1.2/trailer-section"}},

	// ---- Connection management ----
	{"IgnoreConnectionClose", "", []string{"rfc9112/9.6/connection-close-honoured"}},
	{"KeepAliveHTTP10", "", []string{"rfc9112/9.3/http10-closes-by-default"}},
	{"CloseAfterEachResponse", "", []string{"rfc9112/9.3/persistent-by-default"}},
	{"PipelineOutOfOrder", "", []string{"rfc9112/9.3.2/pipelined-responses-in-order"}},
	// Closing after every response is also not persisting.
	{"SilentClose", "", []string{"rfc9112/9.3/close-announced", "rfc9112/9.3/persistent-by-default"}},

	// ---- The environ ----
	{"KeepUnderscoreHeaders", "", []string{"pep3333/environ/underscore-header-no-collision"}},
	{"RepeatedHeaderKeepLast", "", []string{"pep3333/environ/repeated-headers-combined"}},
	{"HTTPContentHeaders", "", []string{"pep3333/environ/content-headers-not-http"}},
	{"AddDefaultHeaders", "", []string{"pep3333/environ/absent-header-absent-variable"}},
	{"HeaderValuesUTF8", "", []string{"pep3333/environ/strings-latin1"}},
	{"PathInfoUTF8", "", []string{"pep3333/environ/path-info-latin1"}},
	{"PathInfoUndecoded", "", []string{"pep3333/environ/path-info-decoded", "pep3333/environ/path-info-latin1"}},
	{"QueryStringDecoded", "", []string{"pep3333/environ/query-string-undecoded"}},
	{"ScriptNameSlash", "", []string{"pep3333/environ/script-name-root"}},
	{"AbsoluteFormRaw", "", []string{"pep3333/environ/absolute-form-target"}},
	{"UnknownMethodAsGET", "", []string{"pep3333/environ/request-method"}},
	{"ServerProtocolFixed", "", []string{"pep3333/environ/server-protocol"}},
	{"EmptyServerPort", "", []string{"pep3333/environ/server-name-port"}},
	{"WrongURLScheme", "", []string{"pep3333/environ/url-scheme"}},
	{"BytesEnviron", "HTTP_X_HEADER", []string{"pep3333/environ/cgi-values-native-str"}},
	{"DropEnviron", "REMOTE_ADDR", []string{"pep3333/environ/remote-addr"}},
	{"DropEnviron", "wsgi.run_once", []string{"pep3333/environ/wsgi-variables"}},
	// Both checks require CONTENT_TYPE for a request with a Content-Type (and
	// content-headers-not-http, which requires content-type-length, is skipped).
	{"DropEnviron", "CONTENT_TYPE", []string{"pep3333/environ/content-type-length", "pep3333/environ/required-cgi-variables"}},
	{"WSGIVersionList", "", []string{"pep3333/environ/wsgi-version"}},
	{"FlagsAsInt", "", []string{"pep3333/environ/flags-are-bool"}},
	// wsgi.file_wrapper is optional (PEP 3333 "Optional Platform-Specific File Handling"):
	// leaving it out breaks nothing, which this row asserts.
	{"NoFileWrapper", "", nil},

	// ---- wsgi.input and wsgi.errors ----
	{"InputTextMode", "", []string{"pep3333/input/read-content-length"}},
	{"ReadIgnoresSize", "", []string{"pep3333/input/read-size"}},
	// The probe reads a chunked body with read(), so that fails too.
	{"ReadRequiresSize", "", []string{"pep3333/input/empty-body-read", "pep3333/input/read-no-argument", "rfc9112/7.1/chunked-body"}},
	{"InputNoReadline", "", []string{"pep3333/input/readline", "pep3333/input/readline-size", "pep3333/input/stream-methods"}},
	{"InputNoReadlines", "", []string{"pep3333/input/readlines", "pep3333/input/stream-methods"}},
	{"InputNotIterable", "", []string{"pep3333/input/iteration", "pep3333/input/stream-methods"}},
	{"NoEOFSimulation", "", []string{"pep3333/input/empty-body-read", "pep3333/input/eof-at-content-length"}},
	// No check reads past a Content-Length body with a request pipelined behind it: the
	// fuzzer's read modes show it (fuzz.TestReachFindsDeviatedReference).
	{"InputReadsConnection", "", nil},
	// The probe reads a chunked body nothing announces, so only the announcement fails
	// (pep3333/input/chunked-body-announced, declared in mutation_chunked_variants_test.go).
	{"NoInputTerminated", "", nil},
	{"ErrorsStreamRejectsUnicode", "", []string{"pep3333/input/errors-accepts-unicode"}},

	// ---- start_response and the response ----
	{"SecondStartResponseAllowed", "", []string{"pep3333/start-response/second-call-without-exc-info"}},
	{"ExcInfoBeforeHeadersIgnored", "", []string{"pep3333/start-response/exc-info-replaces-headers"}},
	{"ExcInfoAfterHeadersReturns", "", []string{"pep3333/start-response/exc-info-after-headers-raises"}},
	{"ExcInfoAfterHeadersRaisesOther", "", []string{"pep3333/start-response/exc-info-reraises-original"}},
	// Headers sent at start_response cannot be replaced by exc_info either.
	{"SendHeadersEarly", "", []string{"pep3333/start-response/exc-info-replaces-headers", "pep3333/start-response/headers-held-until-body"}},
	{"RequireEarlyStartResponse", "", []string{"pep3333/start-response/lazy-start-response"}},
	{"NoStartResponseOK", "", []string{"pep3333/start-response/missing-start-response-is-error"}},
	{"WriteCallableBroken", "", []string{"pep3333/start-response/write-callable"}},
	{"AllowHeaderCRLF", "", []string{"pep3333/start-response/header-crlf-refused", "pep3333/start-response/header-errors-raised-early"}},
	{"AllowHopByHop", "", []string{"pep3333/start-response/hop-by-hop-refused"}},
	{"SkipClose", "", []string{"pep3333/start-response/close-called", "pep3333/start-response/close-called-on-disconnect", "pep3333/start-response/close-called-on-error"}},
	{"BufferStreamedBody", "", []string{"pep3333/response/streaming-unbuffered"}},
	{"ContentLengthOverrun", "", []string{"pep3333/response/content-length-not-exceeded"}},
	{"ContentLengthShortKeepAlive", "", []string{"pep3333/response/short-content-length-closes"}},
	{"UndelimitedBody", "", []string{"pep3333/response/framing-without-content-length"}},
	{"TranslateNewlines", "", []string{"pep3333/response/body-bytes-unaltered"}},
	{"NoDate", "", []string{"pep3333/response/date-header"}},
	{"BodyOnHEAD", "", []string{"rfc9110/9.3.2/head-no-content"}},
	{"BodyOn204", "", []string{"rfc9110/15.3.5/204-no-content"}},
	{"BodyOn304", "", []string{"rfc9110/15.4.5/304-no-content"}},
	{"ChunkedToHTTP10", "", []string{"rfc9112/6.1/no-chunked-to-http10"}},
	{"RejectExpect", "", []string{"pep3333/response/expect-continue-transparent"}},
	{"NoExpectContinue", "", []string{"pep3333/response/expect-continue-interim"}},

	// ---- Concurrency ----
	{"DenyMultithread", "", []string{"pep3333/environ/multithread-truthful"}},
	{"DenyMultiprocess", "", []string{"pep3333/environ/multiprocess-truthful"}},
	// One request at a time on one thread: no capacity, and the flag claims otherwise.
	{"Serialise", "", []string{"conform/concurrency/blocking-capacity", "conform/concurrency/fresh-request-while-blocked", "pep3333/environ/multithread-truthful"}},
	// One connection at a time: a slow client holds up everyone, blocking requests too.
	{"SingleConnection", "", []string{
		"conform/concurrency/blocking-capacity", "conform/concurrency/fresh-request-while-blocked",
		"conform/concurrency/slow-body-isolated", "conform/concurrency/slow-headers-isolated"}},
}

// rowServers bounds the reference servers running at once; rowWorkers bounds the checks one
// row runs side by side.
const (
	rowServers = 3
	rowWorkers = 24
)

// rowIdleTimeout is the rows' keep-alive time-out: graceful-timeout waits for it in every
// row, and the default (5.5s) made it the longest check of most rows.
const rowIdleTimeout = 3500 * time.Millisecond

// moreMutations holds rows declared by the test files of families of checks. A row whose
// deviation (and value) the table has already adds its checks to that row, so a new check
// that an existing deviation breaks is declared beside the check.
var moreMutations []mutation

// table is mutations with moreMutations merged in.
func table() []mutation {
	out := append([]mutation(nil), mutations...)
	index := map[[2]string]int{}
	for i, m := range out {
		index[[2]string{m.dev, m.value}] = i
	}
	for _, m := range moreMutations {
		k := [2]string{m.dev, m.value}
		if i, ok := index[k]; ok {
			out[i].fails = append(append([]string(nil), out[i].fails...), m.fails...)
			continue
		}
		index[k] = len(out)
		out = append(out, m)
	}
	return out
}

func TestMutationTable(t *testing.T) {
	start := time.Now()
	mutations := table()
	all := spec.All()
	byID := map[string]*spec.Check{}
	for _, c := range all {
		byID[c.ID] = c
	}
	devNames := map[string]bool{}
	for _, n := range reference.DeviationNames() {
		devNames[n] = true
	}

	// The table itself: known names, every check and every deviation covered.
	covered, rowed := map[string]bool{}, map[string]bool{}
	for _, m := range mutations {
		if m.dev != "" && !devNames[m.dev] {
			t.Errorf("row %s: no such deviation", m)
		}
		rowed[m.dev] = true
		for _, id := range m.fails {
			if byID[id] == nil {
				t.Errorf("row %s: no such check %s", m, id)
			}
			covered[id] = true
		}
	}
	for _, c := range all {
		if !covered[c.ID] {
			t.Errorf("check %s is failed by no row of the mutation table: add a deviation that makes it fail (deviations.go) and a row for it", c.ID)
		}
	}
	for _, n := range reference.DeviationNames() {
		if !rowed[n] {
			t.Errorf("deviation %s has no row in the mutation table", n)
		}
	}
	if t.Failed() {
		return
	}
	// While a family of checks is written, its rows alone can be run; the full table runs
	// when the variable is unset.
	if only := os.Getenv("CONFORM_MUTATION_ROWS"); only != "" {
		want := map[string]bool{}
		for _, n := range strings.Split(only, ",") {
			want[strings.TrimSpace(n)] = true
		}
		var rows []mutation
		for _, m := range mutations {
			if want[m.dev] || (m.dev == "" && want["none"]) {
				rows = append(rows, m)
			}
		}
		t.Logf("CONFORM_MUTATION_ROWS: %d of %d rows", len(rows), len(mutations))
		mutations = rows
	}

	var catalog, concurrency []*spec.Check
	for _, c := range all {
		if c.Area == concurrencyArea {
			concurrency = append(concurrency, c)
		} else {
			catalog = append(catalog, c)
		}
	}
	results := make([][]*spec.Result, len(mutations))

	// Phase 1: the catalog without the concurrency area, three servers at once; the rows that
	// run one check at a time start first, since they take longest.
	order := make([]int, len(mutations))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return targetsConcurrency(mutations[order[a]], byID) && !targetsConcurrency(mutations[order[b]], byID)
	})
	var wg sync.WaitGroup
	sem := make(chan struct{}, rowServers)
	for _, i := range order {
		m := mutations[i]
		sem <- struct{}{} // taken in order, so that the long rows start first
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rs := time.Now()
			results[i] = runRow(t, m, catalog, !targetsConcurrency(m, byID))
			if testing.Verbose() {
				t.Logf("row %s: %v", m, time.Since(rs).Round(time.Millisecond))
			}
		}()
	}
	wg.Wait()
	t.Logf("phase 1: %d rows without the concurrency checks in %v", len(mutations), time.Since(start).Round(time.Millisecond))

	// Phase 2: the concurrency checks, one row at a time.
	mid, rows := time.Now(), 0
	for i, m := range mutations {
		if m.dev == "" || targetsConcurrency(m, byID) {
			results[i] = append(results[i], runRow(t, m, concurrency, false)...)
			rows++
		}
	}
	t.Logf("phase 2: %d rows with the concurrency checks in %v", rows, time.Since(mid).Round(time.Millisecond))

	for i, m := range mutations {
		checkRow(t, m, results[i])
	}
}

func targetsConcurrency(m mutation, byID map[string]*spec.Check) bool {
	for _, id := range m.fails {
		if c := byID[id]; c != nil && c.Area == concurrencyArea {
			return true
		}
	}
	return false
}

// checkTimeout bounds one check, as spec.Run's default does.
const checkTimeout = 30 * time.Second

// runRow starts a reference with the row's deviation and runs the checks against it: side by
// side as far as Requires allow (overlap), or one at a time in order.
func runRow(t *testing.T, m mutation, checks []*spec.Check, overlap bool) []*spec.Result {
	t.Helper()
	var d reference.Deviations
	if m.dev != "" {
		if err := d.Set(m.dev, m.value); err != nil {
			t.Errorf("row %s: %v", m, err)
			return nil
		}
	}
	r, err := reference.Start(reference.Options{Deviations: d, ReadTimeout: 5 * time.Second, IdleTimeout: rowIdleTimeout, TLS: tlsRows[m.dev]})
	if err != nil {
		t.Errorf("row %s: %v", m, err)
		return nil
	}
	defer r.Close()
	target := spec.NewTarget(r.Addr)
	target.TLS = tlsRows[m.dev]
	ctx := context.Background()
	workers := rowWorkers
	if !overlap {
		workers = 1
		checks = spec.Ordered(checks)
	}

	// Each check waits for the checks it requires, then runs (or is skipped, with spec.Run's
	// rule) while at most `workers` others run; one worker runs them in the given order.
	results := make([]*spec.Result, len(checks))
	done := map[string]chan struct{}{}
	index := map[string]int{}
	for i, c := range checks {
		done[c.ID] = make(chan struct{})
		index[c.ID] = i
	}
	slots := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, c := range checks {
		if workers == 1 {
			slots <- struct{}{} // taken in order, so that the checks run in order
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[c.ID])
			if workers == 1 {
				defer func() { <-slots }()
			}
			for _, req := range c.Requires {
				ch, ok := done[req]
				if !ok {
					continue // not run: a prerequisite left out does not block
				}
				<-ch
				if r := results[index[req]]; r.Status != spec.Pass {
					results[i] = &spec.Result{Check: c, Status: spec.Skip,
						Message: fmt.Sprintf("skipped: depends on %s, which did not pass (%s)", req, r.Status)}
					return
				}
			}
			if workers > 1 {
				slots <- struct{}{}
				defer func() { <-slots }()
			}
			results[i] = spec.RunOne(ctx, target, c, checkTimeout)
		}()
	}
	wg.Wait()
	return results
}

// checkRow compares the non-passing checks with the row's set.
func checkRow(t *testing.T, m mutation, results []*spec.Result) {
	t.Helper()
	if results == nil {
		return
	}
	want := map[string]bool{}
	for _, id := range m.fails {
		want[id] = true
	}
	got := map[string]*spec.Result{}
	for _, r := range results {
		if r.Status != spec.Pass && r.Status != spec.Skip {
			got[r.Check.ID] = r
		}
	}
	var unexpected, missing []string
	for id, r := range got {
		if !want[id] {
			unexpected = append(unexpected, fmt.Sprintf("%s: %s: %s", id, r.Status, r.Message))
		}
	}
	status := map[string]*spec.Result{}
	for _, r := range results {
		status[r.Check.ID] = r
	}
	for _, id := range m.fails {
		if got[id] == nil {
			if r := status[id]; r != nil {
				missing = append(missing, fmt.Sprintf("%s: %s: %s", id, r.Status, r.Message))
			} else {
				missing = append(missing, id+": not run")
			}
		}
	}
	if len(unexpected) == 0 && len(missing) == 0 {
		return
	}
	sort.Strings(unexpected)
	sort.Strings(missing)
	var ids []string
	for id := range got {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	fmt.Fprintf(&b, "row %s:", m)
	if len(unexpected) > 0 {
		fmt.Fprintf(&b, "\n  did not pass, not in the row:\n    %s", strings.Join(unexpected, "\n    "))
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "\n  in the row, but did not fail:\n    %s", strings.Join(missing, "\n    "))
	}
	fmt.Fprintf(&b, "\n  observed row: {%q, %q, []string{%s}},", m.dev, m.value, quoteAll(ids))
	t.Error(b.String())
}

func quoteAll(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(q, ", ")
}
