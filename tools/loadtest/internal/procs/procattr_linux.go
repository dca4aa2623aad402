package procs

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the child get SIGKILL when this program dies, so
// that a crashed or interrupted run leaves no demo or Redis behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
