package prompt

import "fmt"

// consoleShown returns ErrNoTerminal for a Windows console that has no window (window is
// what GetConsoleWindow returned): a caller that started mfacred with CREATE_NO_WINDOW, as
// IDEs and GUI apps do, would never see a prompt there, so the desktop dialog asks instead.
//
// A console window that exists but reports itself invisible still counts as shown: the
// pseudo-console behind Windows Terminal, VS Code and SSH sessions reports its window
// hidden while its terminal is on screen, and a dialog is no use over SSH.
func consoleShown(window uintptr) error {
	if window == 0 {
		return fmt.Errorf("%w (the console has no window)", ErrNoTerminal)
	}
	return nil
}
