package spec

import (
	"slices"
	"testing"
)

func TestUnmatchedNamesEachPatternThatSelectsNothing(t *testing.T) {
	all := All()
	a := all[0]
	got := Unmatched(all, []string{a.ID, "no-such-area", a.Area, "rfc9112/7.1", "rfc9112/7.1/*", "rfc9999/*", a.ID + "x"})
	want := []string{"no-such-area", "rfc9999/*", a.ID + "x"}
	if !slices.Equal(got, want) {
		t.Errorf("Unmatched = %q, want %q", got, want)
	}
	for _, c := range all {
		for _, alias := range c.Aliases {
			if u := Unmatched(all, []string{alias}); len(u) != 0 {
				t.Errorf("alias %s of %s reported unmatched", alias, c.ID)
			}
		}
	}
}
