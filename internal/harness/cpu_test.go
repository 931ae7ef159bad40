package harness

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestGroupCPUTimeCountsABusyGroup: a process group spinning for a second has used most of
// a second of CPU; a sleeping one next to nothing.
func TestGroupCPUTimeCountsABusyGroup(t *testing.T) {
	start := func(script string) *exec.Cmd {
		cmd := exec.Command("/bin/sh", "-c", script)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
		return cmd
	}
	busy := start("while :; do :; done")
	idle := start("sleep 30")
	b0, err := groupCPUTime(busy.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	i0, err := groupCPUTime(idle.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	b1, _ := groupCPUTime(busy.Process.Pid)
	i1, _ := groupCPUTime(idle.Process.Pid)
	if d := b1 - b0; d < 300*time.Millisecond {
		t.Errorf("a spinning group used %v of CPU in a second", d)
	}
	if d := i1 - i0; d > 100*time.Millisecond {
		t.Errorf("a sleeping group used %v of CPU in a second", d)
	}
	if _, err := groupCPUTime(1 << 30); err == nil {
		t.Errorf("a group with no process has no CPU time")
	}
}
