package reports

import (
	"fmt"
	"io"
	"strings"
)

// FrontEffect is what a front changed in one server's verdicts, from a matrix that ran the
// server alone and behind the front: the checks it fails (or warns on) alone and passes
// behind the front, and the ones it passes alone and fails or warns on behind it.
type FrontEffect struct {
	Server, Front string
	Removed       []string
	Introduced    []string
}

// FrontEffects pairs every stack report of the matrix with the same server's report alone,
// in the matrix's order.
func FrontEffects(m *Matrix) []FrontEffect {
	alone := map[string]*Report{}
	for _, r := range m.Reports {
		if r != nil && r.Target.Front == nil && r.Target.Server != "" {
			alone[r.Target.Server] = r
		}
	}
	var out []FrontEffect
	for _, r := range m.Reports {
		if r == nil || r.Target.Front == nil {
			continue
		}
		base := alone[r.Target.Server]
		if base == nil {
			continue
		}
		was := map[string]string{}
		for _, res := range base.Results {
			was[res.ID] = res.Status
		}
		e := FrontEffect{Server: r.Target.Server, Front: r.Target.Front.Name}
		for _, res := range r.Results {
			before, ok := was[res.ID]
			switch {
			case !ok:
			case problem(before) && res.Status == "pass":
				e.Removed = append(e.Removed, res.ID)
			case before == "pass" && problem(res.Status):
				e.Introduced = append(e.Introduced, res.ID)
			}
		}
		out = append(out, e)
	}
	return out
}

func problem(status string) bool { return status == "fail" || status == "warn" }

// writeFrontEffects writes one paragraph per stack: how many of the server's failures the
// front removes, and every one it introduces.
func writeFrontEffects(w io.Writer, m *Matrix, p palette) {
	effects := FrontEffects(m)
	if len(effects) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", p.bold("fronts: what each front changes in the server's own verdicts"))
	for _, e := range effects {
		fmt.Fprintf(w, "  behind %s, %s: %d failures and warnings removed, %d introduced\n",
			clean(e.Front, false), clean(e.Server, false), len(e.Removed), len(e.Introduced))
		if len(e.Removed) > 0 {
			fmt.Fprintf(w, "    removed: %s\n", clean(strings.Join(e.Removed, ", "), false))
		}
		if len(e.Introduced) > 0 {
			fmt.Fprintf(w, "    introduced: %s\n", clean(strings.Join(e.Introduced, ", "), false))
		}
	}
}

// writeAttacks says what each smuggling attack through the front came to.
func writeAttacks(w io.Writer, p palette, r *Report) {
	fmt.Fprintf(w, "\nSmuggling attacks through the front, as a second client saw them:\n")
	for _, a := range r.Attacks {
		st := "pass"
		if a.Confirmed {
			st = "fail"
		}
		fmt.Fprintf(w, "  %s %s\n", p.status(st, clean(a.Name, false)+":"), clean(a.Why, false))
	}
}

// writeDesyncs lists the upstream connections on which the server read a request the front
// never sent, each with the checks whose requests travelled on it and the bytes forwarded.
func writeDesyncs(w io.Writer, p palette, r *Report) {
	if r.DesyncsNotJudged != "" {
		fmt.Fprintf(w, "\nDesyncs not judged: %s\n", clean(r.DesyncsNotJudged, false))
	}
	if len(r.Desyncs) == 0 {
		return
	}
	front := "the front"
	if f := r.Target.Front; f != nil {
		front = clean(f.Name, false)
	}
	fmt.Fprintf(w, "\n%s\n\n", p.bold(p.status("fail", fmt.Sprintf("Desyncs: %s on which the server read a request %s never sent", plural(len(r.Desyncs), "upstream connection", "upstream connections"), front))))
	for _, d := range r.Desyncs {
		fmt.Fprintf(w, "  %s %s\n", p.status("fail", fmt.Sprintf("connection %d:", d.Conn)), clean(d.Why, false))
		if len(d.Checks) > 0 {
			fmt.Fprintf(w, "    checks whose requests it carried: %s\n", clean(strings.Join(d.Checks, ", "), false))
		}
		if d.Confirmed {
			fmt.Fprintf(w, "    %s\n", p.status("fail", "confirmed by the "+clean(d.Attack, false)+" attack: a second client received the smuggled request's answer"))
			fmt.Fprintf(w, "    attacker sent: %s\n", p.dim(clean(clip(string(d.Sent), 400), false)))
			fmt.Fprintf(w, "    second client got: %s\n", p.dim(clean(clip(string(d.Victim), 400), false)))
		}
		fmt.Fprintf(w, "    forwarded: %s\n", p.dim(clean(clip(string(d.Forwarded), 400), false)))
		fmt.Fprintf(w, "    returned:  %s\n", p.dim(clean(clip(string(d.Returned), 400), false)))
	}
}
