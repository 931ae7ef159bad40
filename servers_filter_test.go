package conform_test

import "testing"

func TestRealServersRunOnlyWhenAsked(t *testing.T) {
	servers := []string{"gunicorn-sync", "gunicorn-gthread", "waitress"}
	cases := []struct{ filter, asked, want string }{
		{"", "", "!servers"},
		{"framing", "", "(framing) && !servers"},
		{"framing || environ", "", "(framing || environ) && !servers"},
		{"servers", "", "servers"},
		{"gunicorn-sync", "", "gunicorn-sync"},
		{"waitress && framing", "", "waitress && framing"},
		{"", "1", ""},
		{"framing", "all", "framing"},
		{"", "waitress, gunicorn-sync", "(!servers || waitress || gunicorn-sync)"},
		{"framing", "waitress", "(framing) && (!servers || waitress)"},
		// a name inside another word is not a request for that server
		{"gunicorn-sync-extra", "", "(gunicorn-sync-extra) && !servers"},
	}
	for _, c := range cases {
		if got := withRealServersOnlyWhenAsked(c.filter, c.asked, servers); got != c.want {
			t.Errorf("filter %q, CONFORM_SERVERS=%q: got %q, want %q", c.filter, c.asked, got, c.want)
		}
	}
}
