package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const chromiumPath = "/usr/bin/chromium"

var (
	articleRE = regexp.MustCompile(`<article((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*>`)
	mxRowRE   = regexp.MustCompile(`<tr class="mxrow[^"]*"((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*>`)
	chipRE    = regexp.MustCompile(`data-filter="status" data-value="([a-z]+)" data-count="(\d+)"[^>]*><span class="n">(\d+)</span>`)
	shownRE   = regexp.MustCompile(`<span class="shown" id="shown" aria-live="polite">([^<]*)</span>`)
)

func attr(attrs, name string) (string, bool) {
	m := regexp.MustCompile(`\s` + name + `(?:="([^"]*)")?(?:\s|$)`).FindStringSubmatch(attrs + " ")
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

// chromium runs headless Chromium on a file URL, with every kind of network access
// disabled, and returns its stdout (the DOM after scripts ran, with --dump-dom).
func chromium(t *testing.T, ctx context.Context, dir, url string, extra ...string) string {
	profile, err := os.MkdirTemp(dir, "profile-")
	if err != nil {
		t.Error(err)
		return ""
	}
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--disable-extensions", "--hide-scrollbars",
		"--host-resolver-rules=MAP * ~NOTFOUND",
		"--user-data-dir=" + profile,
	}
	if !slices.ContainsFunc(extra, func(a string) bool { return strings.HasPrefix(a, "--window-size=") }) {
		args = append(args, "--window-size=1280,2000")
	}
	args = append(args, extra...)
	args = append(args, url)
	cmd := exec.CommandContext(ctx, chromiumPath, args...)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("chromium %s: %v\n%s", url, err, tail(stderr.String(), 2000))
	}
	return stdout.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestMatrixFitsTheWindow renders the matrix of fifteen servers, loads it in headless
// Chromium in a 1400 px wide window and measures the page: the capability table, and the
// page itself, are no wider than the window, and no cell of the table spills over.
func TestMatrixFitsTheWindow(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: run scripts/install-servers.sh or apt-get install -y chromium", chromiumPath)
		}
		t.Skipf("%s is missing (apt-get install -y chromium); skipping the browser test", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	m := realisticMatrix(t)
	var page bytes.Buffer
	if err := WriteMatrixHTML(&page, m); err != nil {
		t.Fatal(err)
	}
	// The measuring script is added to a copy of the page, at the end of its body.
	measured := strings.Replace(page.String(), "</body>", "<script>"+measureJS+"</script>\n</body>", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "matrix.html")
	if err := os.WriteFile(path, []byte(measured), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	dom := chromium(t, ctx, dir, "file://"+path, "--window-size=1400,2400", "--dump-dom", "--screenshot="+filepath.Join(dir, "matrix-1400.png"))
	t.Logf("%d-byte page loaded, measured and shot in %v", page.Len(), time.Since(start).Round(time.Millisecond))
	if keep := os.Getenv("CONFORM_SCREENSHOT_DIR"); keep != "" {
		if b, err := os.ReadFile(filepath.Join(dir, "matrix-1400.png")); err == nil {
			os.WriteFile(filepath.Join(keep, "matrix-1400.png"), b, 0o644)
		}
	}
	mm := measureRE.FindStringSubmatch(dom)
	if mm == nil {
		t.Fatalf("the page was not measured; DOM:\n%.2000s", dom)
	}
	var got struct {
		Window, Page, CapLeft, CapRight, CapWidth, CapBox float64
		Spill                                             []string
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(mm[1])), &got); err != nil {
		t.Fatalf("measurements %q: %v", mm[1], err)
	}
	t.Logf("window %v px: page %v px, capability table %v px (%v to %v)", got.Window, got.Page, got.CapWidth, got.CapLeft, got.CapRight)
	if got.Window != 1400 {
		t.Fatalf("the window is %v px wide, want 1400", got.Window)
	}
	if got.CapWidth > 1400 || got.CapRight > 1400 || got.CapLeft < 0 {
		t.Errorf("the capability table spans %v to %v px (%v px) in a 1400 px window", got.CapLeft, got.CapRight, got.CapWidth)
	}
	if got.CapWidth > got.CapBox {
		t.Errorf("the capability table (%v px) overflows its panel (%v px)", got.CapWidth, got.CapBox)
	}
	if got.Page > 1400 {
		t.Errorf("the page is %v px wide in a 1400 px window", got.Page)
	}
	for _, c := range got.Spill {
		t.Errorf("capability cell spills over its column: %s", c)
	}
}

var measureRE = regexp.MustCompile(`<html[^>]* data-measure="([^"]*)"`)

// measureJS records, on the root element, the widths TestMatrixFitsTheWindow asserts.
const measureJS = `(function(){
var d = document.documentElement, t = document.querySelector("#capabilities table"), r = t.getBoundingClientRect();
var spill = [];
t.querySelectorAll("th, td").forEach(function(c){ if (c.scrollWidth > c.clientWidth + 1) spill.push(c.textContent.trim() + " (" + c.scrollWidth + " > " + c.clientWidth + " px)"); });
d.setAttribute("data-measure", JSON.stringify({Window: window.innerWidth, Page: d.scrollWidth, CapLeft: r.left, CapRight: r.right, CapWidth: r.width, CapBox: t.parentElement.clientWidth, Spill: spill}));
})();`

// TestBrowser renders a report and a matrix, loads them in headless Chromium and checks
// what a person would see: the totals, the filters driven by the URL fragment, the
// evidence opened by a link, and a screenshot of each page.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: run scripts/install-servers.sh or apt-get install -y chromium", chromiumPath)
		}
		t.Skipf("%s is missing (apt-get install -y chromium); skipping the browser test", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	t.Parallel()
	dir := t.TempDir()
	r := sampleReport("gunicorn", "23.0.0", 0)
	m := matrixSample()
	for _, r := range m.Reports {
		r.SetRepro() // repro lines, for their Copy buttons
	}
	reportPath := filepath.Join(dir, "report.html")
	matrixPath := filepath.Join(dir, "matrix.html")
	if err := WriteFileAtomic(reportPath, func(w io.Writer) error { return WriteHTML(w, r) }); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(matrixPath, func(w io.Writer) error { return WriteMatrixHTML(w, m) }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	reportURL, matrixURL := "file://"+reportPath, "file://"+matrixPath
	// What the browser loads can fetch nothing: CSP, and no network src/href but spec links.
	for _, p := range []string{reportPath, matrixPath} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		checkSelfContained(t, string(b))
	}

	var matrixAnchor string
	for _, row := range m.grid().Rows {
		if c := row.Cells[0]; c.Status == "fail" && strings.Contains(c.Tip, "<img") {
			matrixAnchor = c.Anchor
		}
	}
	// Five runs, at most two at a time: Chromium's start-up dominates, and CI machines
	// often have two cores.
	jobs := map[string][]string{
		"report.png":     {reportURL, "--screenshot=" + filepath.Join(dir, "report.png"), "--dump-dom"},
		"matrix.png":     {matrixURL, "--screenshot=" + filepath.Join(dir, "matrix.png"), "--dump-dom"},
		"report#fail":    {reportURL + "#status=fail", "--dump-dom"},
		"report#framing": {reportURL + "#area=framing&q=CHUNK-SIZE", "--dump-dom"},
		"matrix#anchor":  {matrixURL + "#" + matrixAnchor, "--dump-dom"},
	}
	sem := make(chan struct{}, 2)
	start := time.Now()
	out := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			s := chromium(t, ctx, dir, job[0], job[1:]...)
			mu.Lock()
			out[name] = s
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("%d Chromium runs in %v", len(jobs), time.Since(start).Round(time.Millisecond))
	if t.Failed() {
		t.FailNow()
	}

	// Screenshots exist, are the window's size and show more than a blank page.
	for _, name := range []string{"report.png", "matrix.png"} {
		p := filepath.Join(dir, name)
		checkScreenshot(t, p)
		if keep := os.Getenv("CONFORM_SCREENSHOT_DIR"); keep != "" {
			if b, err := os.ReadFile(p); err == nil {
				os.WriteFile(filepath.Join(keep, name), b, 0o644)
			}
		}
	}

	// The chips show the totals (whatever the filter), and the script ran to the end.
	dom := out["report#fail"]
	if !strings.Contains(dom, `data-ready="1"`) {
		t.Fatalf("the page's script did not run to the end; DOM:\n%.2000s", dom)
	}
	chips := chipRE.FindAllStringSubmatch(dom, -1)
	if len(chips) != len(Statuses) {
		t.Errorf("%d status chips in the DOM, want %d", len(chips), len(Statuses))
	}
	for _, c := range chips {
		want := fmt.Sprint(r.Totals.Count(c[1]))
		if c[2] != want || c[3] != want {
			t.Errorf("chip %s shows %s (data-count %s), want %s", c[1], c[3], c[2], want)
		}
	}
	var data reportData
	if mm := dataRE.FindStringSubmatch(dom); mm == nil || json.Unmarshal([]byte(mm[1]), &data) != nil {
		t.Error("conform-data missing or not JSON in the DOM")
	} else if data.Totals != r.Totals {
		t.Errorf("conform-data totals %+v, want %+v", data.Totals, r.Totals)
	}
	if n := strings.Count(dom, "<article "); n != len(r.Results) {
		t.Errorf("%d rows in the DOM, want %d", n, len(r.Results))
	}

	// Without a filter every row shows.
	checkRows(t, "unfiltered", out["report.png"], len(r.Results), func(status, area, text string) bool { return true })

	// #status=fail hides every row that is not a failure, and the chips say so.
	checkRows(t, "#status=fail", dom, r.Totals.Fail, func(status, area, text string) bool { return status == "fail" })
	for _, st := range Statuses {
		chip := fmt.Sprintf(`data-value="%s" data-count="%d" aria-pressed="%v"`, st, r.Totals.Count(st), st == "fail")
		if !strings.Contains(dom, chip) {
			t.Errorf("#status=fail: no chip %s", chip)
		}
	}

	// Area and search filters (case-insensitive) combine; sections left empty are hidden.
	want := 0
	for _, res := range r.Results {
		text := strings.ToLower(strings.Join([]string{res.ID, res.Title, res.Message, res.Spec, res.Level, res.Status}, " "))
		if res.Area == "framing" && strings.Contains(text, "chunk-size") {
			want++
		}
	}
	if want == 0 {
		t.Fatal("the sample has no framing check about chunk-size")
	}
	dom = out["report#framing"]
	checkRows(t, "#area=framing&q=CHUNK-SIZE", dom, want, func(status, area, text string) bool {
		return area == "framing" && strings.Contains(text, "chunk-size")
	})
	if !regexp.MustCompile(`<section class="area" id="area-environ" data-area="environ" hidden="">`).MatchString(dom) {
		t.Error("the environ section is not hidden when filtering on framing")
	}

	// The matrix: a cell's link opens the entry for that check that names that server.
	mdom := out["matrix#anchor"]
	if !strings.Contains(mdom, `data-ready="1"`) {
		t.Fatalf("the matrix script did not run to the end")
	}
	if at := strings.Index(mdom, `<span id="`+matrixAnchor+`">`); at < 0 {
		t.Errorf("no server named #%s in the DOM", matrixAnchor)
	} else if open := mdom[strings.LastIndex(mdom[:at], "<details"):at]; !strings.HasPrefix(open, `<details class="evi st-fail" open="">`) {
		t.Errorf("#%s did not open its evidence entry: %.200s", matrixAnchor, open)
	}
	// The script gives each repro and replay line its Copy button.
	lines := strings.Count(mdom, `<div class="repro">repro`) - strings.Count(mdom, `<div class="repro">repro:`)
	if n := strings.Count(mdom, `data-copy="repro-`); n == 0 || n != lines {
		t.Errorf("%d Copy buttons for %d repro lines", n, lines)
	}
	if n := strings.Count(out["report.png"], `data-copy="replay-`); n == 0 || n != strings.Count(out["report.png"], `<div class="replay">`) {
		t.Errorf("%d Copy buttons for %d replay lines", n, strings.Count(out["report.png"], `<div class="replay">`))
	}
	g := m.grid()
	mdom = out["matrix.png"]
	rows := mxRowRE.FindAllStringSubmatch(mdom, -1)
	if len(rows) != len(g.Rows) {
		t.Errorf("%d matrix rows in the DOM, want %d", len(rows), len(g.Rows))
	}
	for _, row := range rows {
		if _, hidden := attr(row[1], "hidden"); hidden {
			t.Errorf("matrix row hidden without a filter: %.200s", row[1])
		}
	}
	if sm := shownRE.FindStringSubmatch(mdom); sm == nil || sm[1] != fmt.Sprintf("%d of %d checks", len(g.Rows), len(g.Rows)) {
		t.Errorf("matrix shown-count %v", sm)
	}
	var md matrixData
	if mm := dataRE.FindStringSubmatch(mdom); mm == nil || json.Unmarshal([]byte(mm[1]), &md) != nil {
		t.Error("matrix conform-data missing or not JSON in the DOM")
	} else {
		for i, s := range md.Servers {
			if s.Totals != m.Reports[i].Totals {
				t.Errorf("matrix server %d totals %+v, want %+v", i, s.Totals, m.Reports[i].Totals)
			}
		}
	}
	for i, rep := range m.Reports {
		for _, st := range Statuses {
			cell := fmt.Sprintf(`data-server="%d" data-status="%s">%d</td>`, i, st, rep.Totals.Count(st))
			if !strings.Contains(mdom, cell) {
				t.Errorf("matrix totals table lacks %s", cell)
			}
		}
	}
}

// checkRows asserts that exactly the rows keep() accepts are visible and that the page
// says how many.
func checkRows(t *testing.T, name, dom string, want int, keep func(status, area, text string) bool) {
	t.Helper()
	rows := articleRE.FindAllStringSubmatch(dom, -1)
	if len(rows) == 0 {
		t.Errorf("%s: no rows in the DOM", name)
		return
	}
	visible := 0
	for _, row := range rows {
		status, _ := attr(row[1], "data-status")
		area, _ := attr(row[1], "data-area")
		text, _ := attr(row[1], "data-text")
		_, hidden := attr(row[1], "hidden")
		if hidden == keep(status, area, text) {
			id, _ := attr(row[1], "id")
			t.Errorf("%s: row %s (%s, %s) hidden=%v", name, id, status, area, hidden)
		}
		if !hidden {
			visible++
		}
	}
	if visible != want {
		t.Errorf("%s: %d rows visible, want %d", name, visible, want)
	}
	if sm := shownRE.FindStringSubmatch(dom); sm == nil || sm[1] != fmt.Sprintf("%d of %d checks", want, len(rows)) {
		t.Errorf("%s: the page says %v, want %d of %d", name, sm, want, len(rows))
	}
}

func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Errorf("no screenshot: %v", err)
		return
	}
	defer f.Close()
	fi, _ := f.Stat()
	if fi.Size() < 30<<10 {
		t.Errorf("%s is only %d bytes", path, fi.Size())
	}
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("%s is not a PNG: %v", path, err)
		return
	}
	b := img.Bounds()
	if b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("%s is %dx%d, want 1280x2000", path, b.Dx(), b.Dy())
	}
	colors := map[[4]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			colors[[4]uint32{r >> 8, g >> 8, bl >> 8, a >> 8}] = true
		}
	}
	if len(colors) < 40 {
		t.Errorf("%s has only %d colours: a blank or broken page", path, len(colors))
	}
}
