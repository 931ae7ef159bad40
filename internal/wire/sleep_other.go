//go:build !linux

package wire

import "time"

func preciseSleep(d time.Duration) { time.Sleep(d) }
