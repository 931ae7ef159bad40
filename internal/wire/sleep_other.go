//go:build !linux

package wire

import "time"

// PreciseSleep is time.Sleep where no finer sleep is known.
func PreciseSleep(d time.Duration) { time.Sleep(d) }
