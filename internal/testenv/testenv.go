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
	for _, tool := range []string{"dbus-daemon", "gnome-keyring-daemon", "dbus-send"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", func() {}, fmt.Errorf("%s not installed (Debian packages dbus, gnome-keyring)", tool)
		}
	}
	busAddr, stopBus, err := startBus("--session")
	var kr *exec.Cmd
	stop = func() {
		if kr != nil && kr.Process != nil {
			_ = kr.Process.Kill()
			_, _ = kr.Process.Wait()
		}
		stopBus()
	}
	if err != nil {
		return "", stop, err
	}
	home := filepath.Join(dir, "keyring-home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", stop, err
	}
	kr = exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	kr.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+busAddr, "HOME="+home, "XDG_DATA_HOME="+home+"/data", "XDG_RUNTIME_DIR="+home)
	kr.Stdin = strings.NewReader("test-password")
	if err := kr.Start(); err != nil {
		return "", stop, fmt.Errorf("start gnome-keyring-daemon: %v", err)
	}
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

// BareSessionBus starts a private D-Bus session bus (Debian package dbus) with nothing on it
// and nothing it can start: a headless server's user bus where no keyring is installed.
func BareSessionBus(dir string) (addr string, stop func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", func() {}, err
	}
	conf := filepath.Join(dir, "bare-bus.conf")
	if err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=`+dir+`</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600); err != nil {
		return "", func() {}, err
	}
	return startBus("--config-file=" + conf)
}

func startBus(config string) (addr string, stop func(), err error) {
	stop = func() {}
	dbus := exec.Command("dbus-daemon", config, "--nofork", "--print-address=1")
	out, _ := dbus.StdoutPipe()
	if err := dbus.Start(); err != nil {
		return "", stop, fmt.Errorf("start dbus-daemon: %v", err)
	}
	stop = func() { _ = dbus.Process.Kill(); _, _ = dbus.Process.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return "", stop, fmt.Errorf("read dbus address: %v", err)
	}
	return strings.TrimSpace(line), stop, nil
}
