package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/credserver"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/prompt"
	"github.com/mfacred/mfacred/session"
)

var serveCmd = &command{
	name:    "serve",
	args:    "--profile NAME --token-file FILE [--listen 127.0.0.1:PORT]",
	summary: "serve the profile's credentials to containers, renewed ahead of need",
	help: `Serves the profile's credentials over the container credentials protocol that every AWS
SDK and the AWS CLI read, renewing them in the background before they are due (a code, if the
MFA session needs one, is asked for then, never while a client waits). Runs until Ctrl-C.

Prints the variables to hand to a container: AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, naming FILE, which mfacred creates (it must not exist)
with a fresh random token in it (mode 0600; removed at exit). Mount FILE into the container read-only. The token is
never printed. Requests without it are refused.

--listen defaults to a free port on 127.0.0.1; the AWS SDKs accept a plain-http server only on
a loopback address, so from a container use host networking (see README.md, "Long runs and
containers"). Any other address is served with a warning: anyone who can reach it and
read the token gets the credentials.`,
	run: runServe,
}

func runServe(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := profileFlag(fs)
	listen := fs.String("listen", "127.0.0.1:0", "the address to listen on (host:port)")
	tokenFile := fs.String("token-file", "", "write the token here, mode 0600 (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tokenFile == "" {
		return errors.New("serve: --token-file FILE is required: containers read the token from a file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE), it is never printed")
	}
	path, err := filepath.Abs(*tokenFile)
	if err != nil {
		return fmt.Errorf("serve: token file %s: %w", *tokenFile, err)
	}
	// Refused before any code is asked for; creating it refuses it again (O_EXCL).
	if _, err := os.Lstat(path); err == nil {
		return tokenFileExists(path)
	}
	srv, p, err := e.credServer(ctx, ctx, *profile, "")
	if err != nil {
		return err
	}
	ignoreTerminalStops()
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", *listen, err)
	}
	defer l.Close()
	if !credserver.IsLoopback(l.Addr().String()) {
		fmt.Fprintf(e.io.Err, "mfacred: warning: serving the credentials of profile %s on %s, reachable from other machines or containers: anyone there who has the token gets them\n", p.Name, l.Addr())
	}
	created, err := writeToken(path, srv.Token)
	if err != nil {
		return err
	}
	defer removeToken(path, created)
	fmt.Fprintf(e.io.Out, "AWS_CONTAINER_CREDENTIALS_FULL_URI=%s\nAWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s\n", credserver.ClientURL(*listen, l), path)
	if p.Region != "" {
		fmt.Fprintf(e.io.Out, "AWS_REGION=%s\nAWS_DEFAULT_REGION=%s\n", p.Region, p.Region)
	}
	fmt.Fprintf(e.io.Err, "mfacred: serving the credentials of profile %s until Ctrl-C\n", p.Name)
	return srv.Run(ctx, l)
}

// writeToken creates path, readable by the user alone, and writes the token to it. It never
// writes through an existing file or symlink (O_EXCL refuses both, a dangling one too): the
// file is mfacred's own, so removing it at exit removes nothing of anyone else's.
func writeToken(path, token string) (fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, tokenFileExists(path)
	}
	if err != nil {
		return nil, fmt.Errorf("serve: create token file: %w", err)
	}
	_, err = f.WriteString(token)
	var fi fs.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("serve: write token file %s: %w", path, err)
	}
	return fi, nil
}

func tokenFileExists(path string) error {
	return fmt.Errorf("serve: token file %s exists: name a new file (mfacred creates it and removes it at exit)", path)
}

// removeToken removes the token file at path if it is still the one writeToken created.
func removeToken(path string, created fs.FileInfo) {
	if fi, err := os.Lstat(path); err == nil && os.SameFile(fi, created) {
		os.Remove(path)
	}
}

// credServer gets the profile's first credentials (within ctx) and returns a server that keeps
// them renewed with the same provider, cache and locks as `process` for as long as life lasts.
// The first code may be asked for on the terminal; a renewal's only when mfacred is in the
// terminal's foreground, and never when child (the command of `exec --server`) shares it.
func (e *env) credServer(ctx, life context.Context, profile, child string) (*credserver.Server, *awsconfig.Profile, error) {
	files, p, err := loadProfile(profile)
	if err != nil {
		return nil, nil, err
	}
	token, err := credserver.NewToken()
	if err != nil {
		return nil, nil, err
	}
	prov := e.provider(life, files, p)
	prov.Policy = hit.Server
	req := hit.For(files, p)
	srv := &credserver.Server{
		// The server keeps serving what it has by itself, so stale credentials (cached ones the
		// provider could not renew) are a failed renewal to it, to retry and report.
		Fetch: func(ctx context.Context) (session.Outcome, error) {
			out, err := prov.Credentials(ctx, req)
			if err != nil {
				return out, e.explainRenewal(ctx, p, err)
			}
			if out.Stale != nil {
				out.Stale.Cause = e.explainRenewal(ctx, p, out.Stale.Cause)
			}
			return out, nil
		},
		Token:     token,
		AccountID: hit.Of(p).Account(),
		Log:       e.io.Err,
	}
	if err := srv.Start(ctx); err != nil {
		return nil, nil, err
	}
	// Set before Run starts the renewer.
	prov.Codes = func(ctx context.Context) (prompt.Source, error) {
		src, err := session.CodeSource(ctx, e.store, p.Name, p.MFASerial, p.MFAProcess)
		if err != nil {
			return nil, err
		}
		return renewalCodes(src, p, child, inForeground)
	}
	return srv, p, nil
}

// renewalCodes is the code source of a renewal in the background: src, unless src is the
// terminal and mfacred may not read it — because child shares it (a shell there takes the
// foreground, and any other command would split the keystrokes with mfacred) or because
// mfacred is not in its foreground (reading would stop it, server included). Then the desktop
// dialog, if there is one, else no code: the renewal fails saying how to give one.
func renewalCodes(src prompt.Source, p *awsconfig.Profile, child string, foreground func() bool) (prompt.Source, error) {
	t, ok := src.(prompt.Terminal)
	if !ok || (child == "" && foreground()) {
		return src, nil
	}
	if t.Fallback != nil {
		return t.Fallback, nil
	}
	why := "mfacred is not in the terminal's foreground"
	if child != "" {
		why = "the terminal belongs to " + child
	}
	return nil, noTerminal{fmt.Sprintf("profile %s needs a new MFA code for device %s and %s: store a seed with `mfacred totp set --profile %s`, or set mfa_process in profile %s",
		p.Name, p.MFASerial, why, p.Name, p.DeviceProfile)}
}

// explainRenewal is explainNoCode, except for a renewal that may not ask on the terminal:
// that one says why already.
func (e *env) explainRenewal(ctx context.Context, p *awsconfig.Profile, err error) error {
	var nt noTerminal
	if errors.As(err, &nt) {
		return err
	}
	return e.explainNoCode(ctx, p, err)
}

// noTerminal is a renewal that could have no code. It is prompt.ErrNoTerminal to the
// provider, which then serves cached credentials that are still good.
type noTerminal struct{ text string }

func (n noTerminal) Error() string { return n.text }
func (n noTerminal) Unwrap() error { return prompt.ErrNoTerminal }

// defaultCredentials names the setting that gives the default profile credentials of its own:
// the SDKs read those before a credentials server, so a child without AWS_PROFILE would
// silently use them instead.
func defaultCredentials(files *awsconfig.Files) string {
	if _, ok, _ := files.StaticKeys("default"); ok {
		return "aws_access_key_id"
	}
	for _, k := range []string{"credential_process", "role_arn", "credential_source", "web_identity_token_file", "sso_session", "sso_start_url", "login_session"} {
		if files.Get("default", k) != "" {
			return k
		}
	}
	return ""
}

// execServed runs argv with the profile's credentials served to it, and returns its exit
// status: the server renews them for as long as the command runs and closes when it ends.
func execServed(ctx context.Context, e *env, profile, path string, argv []string) error {
	files, err := awsconfig.Load()
	if err != nil {
		return err
	}
	if k := defaultCredentials(files); k != "" {
		return fmt.Errorf("exec --server: profile default has credentials of its own (%s), which the AWS SDKs read before a credentials server: move them to a named profile, or run without --server", k)
	}
	// The server outlives a Ctrl-C that the command survives (a shell), so its renewals do
	// not end with ctx.
	srv, p, err := e.credServer(ctx, context.WithoutCancel(ctx), profile, filepath.Base(path))
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("exec --server: listen: %w", err)
	}
	defer l.Close()

	cmd := exec.Command(path, argv[1:]...)
	cmd.Args = argv
	cmd.Env = serverEnv(os.Environ(), p, credserver.URL(l), srv.Token)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.io.In, e.io.Out, e.io.Err

	// The server lives as long as the child, not as long as ctx: a Ctrl-C that the child
	// survives (a shell) must not end it.
	sctx, stop := context.WithCancel(context.Background())
	defer stop()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("exec %s: %w", path, err)
	}
	// Not inherited by the command; before the renewer starts. The listener is open, so the
	// command's first fetch waits for Run.
	ignoreTerminalStops()
	served := make(chan error, 1)
	go func() { served <- srv.Run(sctx, l) }()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			if !terminalSent(sig) {
				cmd.Process.Signal(sig)
			}
		case err := <-served:
			// The server stopped on its own: the command could no longer renew. Stop it.
			cmd.Process.Kill()
			<-waited
			return fmt.Errorf("exec --server: %w", err)
		case err := <-waited:
			// Closed before mfacred exits: the port is gone when the command is.
			stop()
			<-served
			if code, ok := exitStatus(cmd, err); ok {
				if code == 0 {
					return nil
				}
				return exitError(code)
			}
			return fmt.Errorf("exec %s: %w", path, err)
		}
	}
}

// serverEnv is the environment of a child of `exec --server`: env without any credentials,
// profile or container settings it had, plus the server's address and token and the region.
func serverEnv(env []string, p *awsconfig.Profile, url, token string) []string {
	set := []string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + url,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=" + token,
		"MFACRED_PROFILE=" + p.Name,
	}
	if p.Region != "" {
		set = append(set, "AWS_REGION="+p.Region, "AWS_DEFAULT_REGION="+p.Region)
	}
	return withEnv(env, set)
}
