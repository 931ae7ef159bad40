package wire

import (
	"context"
	"net"
	"time"
)

// Replay parses bytes recorded from a server as the answer to script s, through the same
// reader a live exchange uses. closed says whether the server closed the connection after
// sending them; otherwise the exchange ends as the script's Linger or IdleTimeout says.
// It is for recorded observations: judging them again, and testing judges.
func Replay(received []byte, s Script, closed bool) *Exchange {
	s = s.withDefaults()
	if !closed && s.IdleTimeout > 50*time.Millisecond {
		s.IdleTimeout = 50 * time.Millisecond
	}
	if s.Linger > 50*time.Millisecond {
		s.Linger = 50 * time.Millisecond
	}
	client, server := net.Pipe()
	want := 0
	for _, st := range s.Steps {
		want += len(st.Data)
	}
	go func() {
		// Take the whole request first, as the recorded server did, so Sent is complete
		// even when the answer ends with a close; then keep draining so no write blocks.
		buf := make([]byte, 4096)
		for got := 0; got < want; {
			n, err := server.Read(buf)
			if err != nil {
				return
			}
			got += n
		}
		go func() {
			for {
				if _, err := server.Read(buf); err != nil {
					return
				}
			}
		}()
		_, _ = server.Write(received)
		if closed {
			server.Close()
		}
	}()
	defer client.Close()
	defer server.Close()
	// Steps carry no meaning in a replay beyond what was sent.
	for i := range s.Steps {
		s.Steps[i].Delay, s.Steps[i].AwaitResponse = 0, 0
	}
	return run(context.Background(), client, "replay", s)
}
