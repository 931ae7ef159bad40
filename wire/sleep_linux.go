package wire

import (
	"syscall"
	"time"
)

// preciseSleep blocks the calling thread for d (to within the kernel's timer slack): the
// runtime's timers wake through epoll, which counts in milliseconds, and stretch a
// sub-millisecond pause to over one.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for {
		// EINTR leaves the remaining time in ts.
		if err := syscall.Nanosleep(&ts, &ts); err != syscall.EINTR {
			return
		}
	}
}
