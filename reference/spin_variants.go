package reference

import (
	"errors"
	"io"
	"time"
)

// spinAfterClientCloseFor bounds SpinAfterClientClose's spin, so that a test that forgets to
// close the server does not keep a core busy for ever.
const spinAfterClientCloseFor = 30 * time.Second

// spinAfterClientClose (Deviations.SpinAfterClientClose): the client ended the stream inside
// a body; the connection spins until the server closes, answering nothing.
func (c *conn) spinAfterClientClose(err error) bool {
	if !c.s.opt.Deviations.SpinAfterClientClose || !errors.Is(err, io.EOF) {
		return false
	}
	switch c.p.st {
	case psBody, psChunkSize, psChunkData, psChunkEnd, psTrailers:
	default:
		return false
	}
	end := time.Now().Add(spinAfterClientCloseFor)
	for x := uint64(1); time.Now().Before(end); {
		select {
		case <-c.s.done:
			return true
		default:
		}
		for k := 0; k < 100000; k++ { // busy: the point of the deviation
			x = x*6364136223846793005 + 1442695040888963407
		}
		if x == 0 { // (never: it keeps the arithmetic from being optimised away)
			break
		}
	}
	return true
}
