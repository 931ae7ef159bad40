package desync

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conform-wsgi/conform/internal/harness"
	"github.com/conform-wsgi/conform/reference"
)

// TestASmuggledRequestAnswersTheNextClient: behind real fronts that reuse upstream
// connections, a server that reads a GET's body as the next request (the reference's
// NoBodyOnGET) answers a second client's request with the echo of the request smuggled
// in the first one's body; the conforming reference behind the same front does not. The
// count of responses on the upstream connection cannot see this attack (the smuggled
// request swallows the victim's), which is why it is confirmed from the victim's side.
func TestASmuggledRequestAnswersTheNextClient(t *testing.T) {
	// Varnish forwards a GET without its body, and Squid refuses one with 411: neither
	// lets the attack reach the server.
	for _, front := range []string{"nginx", "haproxy", "apache", "varnish", "squid"} {
		exploitable := front != "varnish" && front != "squid"
		requireFront(t, front)
		for _, tc := range []struct {
			name      string
			dev       reference.Deviations
			confirmed bool
		}{
			{"conforming", reference.Deviations{}, false},
			{"GET body ignored", reference.Deviations{NoBodyOnGET: true}, true},
		} {
			t.Run(front+"/"+tc.name, func(t *testing.T) {
				rel := referenceBehindRelay(t, tc.dev)
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				var confirmed []string
				var why []string
				// Each attack through a fresh front, as conform's stack run does.
				for _, a := range Attacks("127.0.0.1", "t1") {
					fr, err := harness.StartFront(ctx, front, rel.Addr(), harness.Options{})
					if err != nil {
						t.Fatal(err)
					}
					c, err := Confirm(ctx, fr.Addr, a)
					fr.Stop()
					if err != nil {
						t.Fatal(err)
					}
					if c.Confirmed {
						confirmed = append(confirmed, c.Attack)
						if len(c.Victim) == 0 || len(c.Sent) == 0 {
							t.Errorf("%s: the confirmation lacks its evidence", c.Attack)
						}
						t.Logf("%s: %s", c.Attack, c.Why)
					}
					why = append(why, c.Why)
				}
				forwarded := ""
				for _, rc := range rel.Conns() {
					forwarded += string(rc.Forwarded)
				}
				switch front {
				case "varnish":
					if !strings.Contains(forwarded, "attacker-CL.0-t1") || strings.Contains(forwarded, "smuggled-CL.0-t1") {
						t.Errorf("varnish should forward the GET without its body: %.2000q", forwarded)
					}
				case "squid":
					if !strings.Contains(why[0], "answered the attack itself") || strings.Contains(forwarded, "attacker-CL.0-t1") {
						t.Errorf("squid should refuse the GET with a body: %s", why[0])
					}
				}
				// A server that ignores a GET's body ignores it read or unread; a POST's body it
				// reads.
				want := "[]"
				if tc.confirmed && exploitable {
					want = "[CL.0 CL.0-unread-GET]"
				}
				if got := fmt.Sprint(confirmed); got != want {
					t.Fatalf("confirmed %s, want %s", got, want)
				}
			})
		}
	}
}
