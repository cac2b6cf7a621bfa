// Command hello is the baseline of a Go program that starts, prints and exits.
package main

import "os"

func main() { os.Stdout.WriteString("hello\n") }
