package harness

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100 on Linux whatever
// the kernel's own tick.
const userHZ = 100

// CPUTime is the processor time (user and system) used so far by every process of the
// server's process group, the server's own and its workers'. Without its front: a server
// that spins shows there, not in the proxy.
func (in *Instance) CPUTime() (time.Duration, error) {
	in.mu.Lock()
	p := in.proc
	in.mu.Unlock()
	if p == nil {
		return 0, fmt.Errorf("%s: not running", in.Server)
	}
	return groupCPUTime(p.pgid)
}

// groupCPUTime sums utime and stime over the processes of group pgid, from /proc.
func groupCPUTime(pgid int) (time.Duration, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	var ticks int64
	found := false
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended meanwhile
		}
		// The command name, in parentheses, may hold spaces: the fields follow the last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		// After ')': state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
		// cmajflt utime stime (fields 3 to 15 of stat(5)).
		if len(f) < 13 {
			continue
		}
		if g, err := strconv.Atoi(string(f[2])); err != nil || g != pgid {
			continue
		}
		u, err1 := strconv.ParseInt(string(f[11]), 10, 64)
		s, err2 := strconv.ParseInt(string(f[12]), 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		ticks += u + s
		found = true
	}
	if !found {
		return 0, fmt.Errorf("no process left in group %d", pgid)
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}
