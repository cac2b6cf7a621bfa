// Package export is what `mfacred export` prints: a profile's credentials for a shell or a
// script, in the formats users know from `aws configure export-credentials --format` (process,
// env, env-no-export, powershell, windows-cmd) and from aws-vault's `export --format` (json,
// export-env, ini; its env). The AWS CLI's names are canonical, as AWS's own documentation uses
// them; aws-vault's other names are aliases. Where the two tools disagree — `env` is
// `export KEY=VALUE` to the AWS CLI and `KEY=VALUE` to aws-vault — the AWS CLI wins, and
// aws-vault's `eval "$(aws-vault export --format=env …)"` still works with it.
//
// The variables are those `mfacred exec` sets (child.Env): the keys, AWS_SESSION_TOKEN,
// AWS_CREDENTIAL_EXPIRATION (as the AWS CLI prints them) and, when the profile has a region,
// AWS_REGION and AWS_DEFAULT_REGION (as aws-vault prints them and exec sets them), so that a
// shell that evaluates the output calls AWS as a command under exec would. Every value is
// quoted for the shell that reads it, although none that AWS issues needs it. The package
// links nothing of the AWS SDK: the fast path (package fastpath) prints a cached export too.
package export

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/credproc"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/child"
)

// Credentials is what one export prints: a profile's credentials, the account they act in
// ("" if not known) and the region the profile's calls go to ("" for none).
type Credentials struct {
	Profile, Account, Region string
	Entry                    cache.Entry
}

// Format is one way of printing Credentials.
type Format struct {
	// Name is the format's canonical name; Aliases are the other names it answers to.
	Name    string
	Aliases []string
	// Doc says what the format prints, for `mfacred help export`.
	Doc    string
	render func(b *bytes.Buffer, c Credentials) error
}

// Default is the format of an export without --format: lines that a POSIX shell or fish
// evaluates, which is what the command is for (the process format is what `mfacred process`
// prints already).
const Default = "env"

// Formats are the formats export prints, in the order help lists them.
var Formats = []Format{
	{Name: "process", Aliases: []string{"json"}, Doc: "the credential_process JSON that `mfacred process` prints", render: process},
	{Name: "env", Aliases: []string{"export-env"}, Doc: "export KEY='VALUE' lines: bash, zsh, fish (the default)", render: shell("export ", posix)},
	{Name: "env-no-export", Doc: "KEY='VALUE' lines: sh variables, not exported (aws-vault's env)", render: shell("", posix)},
	{Name: "powershell", Doc: "$Env:KEY='VALUE' lines: PowerShell", render: shell("$Env:", powershell)},
	{Name: "windows-cmd", Doc: `set "KEY=VALUE" lines: cmd.exe`, render: cmdLines},
	{Name: "ini", Doc: "a [profile NAME] section of keys and region, for a config file of its own", render: ini},
}

// UnknownFormatError is a --format that names no format.
type UnknownFormatError struct{ Name string }

func (u UnknownFormatError) Error() string {
	return fmt.Sprintf("unknown format %q: want %s", u.Name, Names())
}

// Names lists the formats for a message: each canonical name, its aliases in parentheses.
func Names() string {
	var names []string
	for _, f := range Formats {
		n := f.Name
		if len(f.Aliases) > 0 {
			n += " (" + strings.Join(f.Aliases, ", ") + ")"
		}
		names = append(names, n)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Choices are every name --format takes: the formats' names and aliases.
func Choices() []string {
	var names []string
	for _, f := range Formats {
		names = append(append(names, f.Name), f.Aliases...)
	}
	return names
}

// Usage is the help of `mfacred export`: what it prints, how each shell takes it, and the
// formats with their aliases.
func Usage() string {
	var b strings.Builder
	b.WriteString(`Prints the profile's credentials on stdout for a shell or a script: those process would hand
the AWS CLI, from the same cache (a cached one without starting mfacred-core), with the same
prompt for a code when the session must be renewed and the same errors.

  eval "$(mfacred export --profile work)"                    bash, zsh
  mfacred export --profile work | source                     fish
  mfacred export --profile work --format powershell | Invoke-Expression
  for /f "delims=" %i in ('mfacred export --profile work --format windows-cmd') do @%i

Formats (--format), named as aws configure export-credentials names them, aws-vault's names
as aliases:
`)
	for _, f := range Formats {
		n := strings.Join(append([]string{f.Name}, f.Aliases...), ", ")
		fmt.Fprintf(&b, "  %-17s %s\n", n, f.Doc)
	}
	b.WriteString(`
env is the AWS CLI's env (export lines), not aws-vault's (KEY=VALUE lines, here
env-no-export): export lines work under eval as aws-vault's do, and reach child processes.
The profile's region goes with the keys (AWS_REGION and AWS_DEFAULT_REGION; region in ini), as
exec sets it and aws-vault prints it, so that the shell calls where the profile does; the
AWS CLI prints none, and the credential_process JSON has no place for one. The keys are
printed to a terminal too, as both tools do; mfacred writes them nowhere else.`)
	return b.String()
}

// Parse returns the format named name, by its name or an alias; any other name, "" too, is
// an UnknownFormatError.
func Parse(name string) (Format, error) {
	for _, f := range Formats {
		if f.Name == name || slices.Contains(f.Aliases, name) {
			return f, nil
		}
	}
	return Format{}, UnknownFormatError{name}
}

// Write prints c to w in format f. A value f cannot print safely (a line break; for cmd.exe
// a quote or %; for ini white space at an end) is an error that names the variable, never the value, which may be a secret;
// then nothing is written.
func (f Format) Write(w io.Writer, c Credentials) error {
	var b bytes.Buffer
	if err := f.render(&b, c); err != nil {
		return fmt.Errorf("profile %s: %w", c.Profile, err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Of is what export prints for a resolved profile and its credentials.
func Of(p *awsconfig.Profile, e cache.Entry) Credentials {
	return Credentials{Profile: p.Name, Account: hit.Of(p).Account(), Region: p.Region, Entry: e}
}

// vars are the variables exec would set for c, in the order printed: KEY=VALUE.
func vars(c Credentials) []string {
	e := c.Entry
	return child.Env{Region: c.Region, AccessKeyID: e.AccessKeyID, SecretAccessKey: e.SecretAccessKey,
		SessionToken: e.SessionToken, Expiration: e.Expiration}.Set()
}

// shell renders one line per variable: prefix, the name, = and the value quoted by quote.
func shell(prefix string, quote func(string) string) func(*bytes.Buffer, Credentials) error {
	return func(b *bytes.Buffer, c Credentials) error {
		for _, kv := range vars(c) {
			k, v, _ := strings.Cut(kv, "=")
			if err := oneLine(k, v); err != nil {
				return err
			}
			fmt.Fprintf(b, "%s%s=%s\n", prefix, k, quote(v))
		}
		return nil
	}
}

// posix quotes s for sh, bash, zsh and fish alike: in single quotes, where all four take every
// character as it is but ' (and, in fish, \), which are written outside them, escaped.
func posix(s string) string {
	return "'" + strings.NewReplacer(`'`, `'\''`, `\`, `'\\'`).Replace(s) + "'"
}

// powershell quotes s in PowerShell's single quotes, in which nothing expands; a single quote
// is doubled, and so are the typographic ones, which PowerShell takes as single quotes too.
func powershell(s string) string {
	return "'" + strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019",
		"\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b").Replace(s) + "'"
}

// cmdLines renders `set "KEY=VALUE"` lines: in the quotes cmd.exe takes & | < > ^ as they are.
// A " or % cannot be written so that both a batch file and the command line read it back, so
// a value holding one is refused (none that AWS issues or that a region may be holds one).
// The lines end in CR LF, as cmd.exe's scripts do (and as the AWS CLI's text output does on
// Windows): cmd.exe reading a script or its input by lines may take a lone LF for no end.
func cmdLines(b *bytes.Buffer, c Credentials) error {
	for _, kv := range vars(c) {
		k, v, _ := strings.Cut(kv, "=")
		if err := oneLine(k, v); err != nil {
			return err
		}
		if strings.ContainsAny(v, `"%`) {
			return fmt.Errorf("%s holds a character cmd.exe cannot be given safely (%% or \")", k)
		}
		fmt.Fprintf(b, "set \"%s=%s\"\r\n", k, v)
	}
	return nil
}

// process is the credential_process JSON, as `mfacred process` prints it.
func process(b *bytes.Buffer, c Credentials) error {
	return credproc.Print(b, c.Entry, c.Account)
}

// ini renders the section aws-vault's ini format prints: [profile NAME] (quoted as the config
// file wants it), the keys, and the region if there is one. A config file of its own takes it
// (AWS_CONFIG_FILE): beside the profile's own section in the same file it would be a
// duplicate, which botocore refuses.
func ini(b *bytes.Buffer, c Credentials) error {
	section, err := awsconfig.ConfigSection(c.Profile)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "[%s]\n", section)
	e := c.Entry
	kvs := [][2]string{
		{"aws_access_key_id", e.AccessKeyID}, {"aws_secret_access_key", e.SecretAccessKey},
		{"aws_session_token", e.SessionToken}, {"aws_credential_expiration", e.Expiration.UTC().Format(time.RFC3339)},
	}
	if c.Region != "" {
		kvs = append(kvs, [2]string{"region", c.Region})
	}
	for _, kv := range kvs {
		if err := oneLine(kv[0], kv[1]); err != nil {
			return err
		}
		// A config file has no quotes: botocore strips white space (Python's, U+00A0 and
		// U+2028 too) from both ends of a value, which would read back another key.
		if v := kv[1]; strings.TrimFunc(v, unicode.IsSpace) != v {
			return fmt.Errorf("%s begins or ends in white space, which a config file cannot hold", kv[0])
		}
		fmt.Fprintf(b, "%s = %s\n", kv[0], kv[1])
	}
	return nil
}

// oneLine refuses a value with a control character: a line break would end the line early,
// and nothing AWS issues holds one (a damaged cache item might).
func oneLine(name, value string) error {
	if strings.IndexFunc(value, unicode.IsControl) >= 0 {
		return fmt.Errorf("%s holds a control character, which cannot be printed in one line", name)
	}
	return nil
}
