package prompt

import (
	"errors"
	"strings"
)

// cmdLine is the command line that makes cmd.exe (at comspec) run command exactly as written:
// `cmd.exe /d /s /c "command"`. Under /s, cmd.exe removes the first quote after /c and the
// last quote of the line and runs what is between unchanged (`cmd /?`), so the quotes inside
// command reach the programs it starts as typed: `op item get "AWS prod" --otp` works. /d
// skips the AutoRun commands of the registry, which could print before the code.
func cmdLine(comspec, command string) (string, error) {
	if strings.ContainsAny(command, "\r\n\x00") {
		// cmd.exe ends a command at a line break: what follows would never run.
		return "", errors.New("mfa_process holds a line break, which cmd.exe cannot run")
	}
	return `"` + comspec + `" /d /s /c "` + command + `"`, nil
}
