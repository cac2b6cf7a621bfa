// Package testenv starts the real parts that the end-to-end tests and the benchmark share: a
// private D-Bus session bus with an unlocked gnome-keyring on it, so that nothing touches the
// user's own keyring.
package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// SecretService starts dbus-daemon and gnome-keyring-daemon (Debian packages dbus,
// gnome-keyring), with the keyring's files below dir, and waits until org.freedesktop.secrets
// answers. stop kills both; it is safe to call after an error.
func SecretService(dir string) (busAddr string, stop func(), err error) {
	var procs []*exec.Cmd
	stop = func() {
		for i := len(procs) - 1; i >= 0; i-- {
			_ = procs[i].Process.Kill()
			_, _ = procs[i].Process.Wait()
		}
	}
	for _, tool := range []string{"dbus-daemon", "gnome-keyring-daemon", "dbus-send"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", stop, fmt.Errorf("%s not installed (Debian packages dbus, gnome-keyring)", tool)
		}
	}
	dbus := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, _ := dbus.StdoutPipe()
	if err := dbus.Start(); err != nil {
		return "", stop, fmt.Errorf("start dbus-daemon: %v", err)
	}
	procs = append(procs, dbus)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return "", stop, fmt.Errorf("read dbus address: %v", err)
	}
	busAddr = strings.TrimSpace(line)
	home := filepath.Join(dir, "keyring-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", stop, err
	}
	kr := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	kr.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+busAddr, "HOME="+home, "XDG_DATA_HOME="+home+"/data", "XDG_RUNTIME_DIR="+home)
	kr.Stdin = strings.NewReader("test-password")
	if err := kr.Start(); err != nil {
		return "", stop, fmt.Errorf("start gnome-keyring-daemon: %v", err)
	}
	procs = append(procs, kr)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		c.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+busAddr)
		if o, _ := c.Output(); bytes.Contains(o, []byte("true")) {
			return busAddr, stop, nil
		}
		if time.Now().After(deadline) {
			return "", stop, fmt.Errorf("gnome-keyring did not take org.freedesktop.secrets within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
