//go:build !linux

package wire

import "time"

// preciseSleep is time.Sleep where no finer sleep is known.
func preciseSleep(d time.Duration) { time.Sleep(d) }
