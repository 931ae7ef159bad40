package reference

import (
	"strconv"
	"strings"
)

// Conn names the two ends of the connection a gateway serves a request on, for the CGI
// variables that come from it rather than from the request.
type Conn struct {
	ServerName, ServerPort string
	RemoteAddr, RemotePort string
}

// CGI returns the CGI variables (RFC 3875 §4.1, and the REQUEST_URI extension) a
// conforming gateway derives from the request, as raw bytes, in the order nginx's
// uwsgi_params sends them: what a front that parsed the request forwards over a gateway
// protocol. PATH_INFO is the percent-decoded path, QUERY_STRING the query as sent,
// CONTENT_TYPE and CONTENT_LENGTH only when the request carries them (CONTENT_LENGTH is
// the length of the decoded body, so a chunked body is announced too), every other field
// an HTTP_ variable (repeated names joined with ",", names with "_" dropped), and for
// absolute-form HTTP_HOST is the target's authority (RFC 9112 §3.2.2).
func CGI(r *Request, c Conn) []Field {
	path, query, authority, absolute := splitTarget(r)
	vars := []Field{
		{"QUERY_STRING", query},
		{"REQUEST_METHOD", r.Method},
	}
	if v, ok := r.Get("Content-Type"); ok {
		vars = append(vars, Field{"CONTENT_TYPE", v})
	}
	if r.ContentLength >= 0 || len(r.Body) > 0 {
		vars = append(vars, Field{"CONTENT_LENGTH", strconv.Itoa(len(r.Body))})
	}
	vars = append(vars,
		Field{"REQUEST_URI", r.Target},
		Field{"PATH_INFO", percentDecode(path)},
		Field{"SERVER_PROTOCOL", r.Proto},
		Field{"REQUEST_SCHEME", "http"},
		Field{"REMOTE_ADDR", c.RemoteAddr},
		Field{"REMOTE_PORT", c.RemotePort},
		Field{"SERVER_PORT", c.ServerPort},
		Field{"SERVER_NAME", c.ServerName},
	)
	at := map[string]int{}
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, "Content-Type") || strings.EqualFold(f.Name, "Content-Length") ||
			strings.EqualFold(f.Name, "Transfer-Encoding") || strings.IndexByte(f.Name, '_') >= 0 {
			continue
		}
		key := "HTTP_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if absolute && key == "HTTP_HOST" {
			continue
		}
		if i, ok := at[key]; ok {
			vars[i].Value += "," + f.Value
			continue
		}
		at[key] = len(vars)
		vars = append(vars, Field{key, f.Value})
	}
	if absolute {
		vars = append(vars, Field{"HTTP_HOST", authority})
	}
	return vars
}
