//go:build !linux

package mailtest

import "os/exec"

// setProcAttr does nothing where the kernel cannot tie the server's life to the test binary's.
func setProcAttr(cmd *exec.Cmd) {}
