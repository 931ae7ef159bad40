package reference

import (
	"errors"
	"io"
)

// chunkedEOFComplete (Deviations.ChunkedEOFComplete): the client ended the stream inside a
// chunked body; the application runs on the body received so far, and the connection then
// closes.
func (c *conn) chunkedEOFComplete(err error) bool {
	if !c.s.opt.Deviations.ChunkedEOFComplete || !errors.Is(err, io.EOF) {
		return false
	}
	switch c.p.st {
	case psChunkSize, psChunkData, psChunkEnd, psTrailers:
	default:
		return false
	}
	c.p.st = psDone
	c.handle(false)
	return true
}
