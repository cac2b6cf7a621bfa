// Package vaultimport moves a user from aws-vault to mfacred in one command (`mfacred import
// aws-vault`), top to bottom: open aws-vault's backend as aws-vault opens it (vault.go) and
// read the long-term keys it holds; read the config file (awsconfig) and decide what becomes
// of each profile (plan.go); check the planned profiles with the reader process uses, and the
// keys with AWS; show the change (a diff of the config, the list of keys, never a secret);
// then, once the person agrees or --yes says so, store the keys as `mfacred add` does, keep a
// backup of the config and write it atomically. Bad input changes nothing; running it again
// finds nothing to do; aws-vault's items stay unless asked to remove them.
package vaultimport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/awsconfig/edit"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/prompt"
	"github.com/mfacred/mfacred/setup"
)

// Options are what `mfacred import aws-vault` was asked to do.
type Options struct {
	Backend  string // aws-vault's backend ("": AWS_VAULT_BACKEND, else aws-vault's default here)
	Yes      bool   // make the change without asking
	NoVerify bool   // store the keys without checking them with AWS
	Remove   bool   // remove aws-vault's items of the keys imported
}

// ErrNoTerminal is a change to make with no terminal to agree to it and no --yes.
var ErrNoTerminal = errors.New("no terminal to agree to the change: run again with --yes to make it; nothing was changed")

// ErrDeclined is a change the person did not agree to.
var ErrDeclined = errors.New("import declined: nothing was changed")

// key is one profile's keys in aws-vault and what import does with them.
type key struct {
	profile string
	creds   cache.Credentials
	held    bool   // mfacred holds these very keys already
	who     string // whose they are, as AWS said ("unchecked" without verifying)
}

// Run imports from aws-vault into store and the config file, writing the plan to out and
// what it did to log.
func Run(ctx context.Context, store *cache.Store, o Options, out, log io.Writer) error {
	front, err := cli.Front() // the mfacred binary credential_process runs, as setup writes it
	if err != nil {
		return err
	}
	vault, err := OpenVault(ctx, o.Backend, func(question string) (string, error) {
		pass, err := prompt.Ask(ctx, question+": ", true)
		if errors.Is(err, prompt.ErrNoTerminal) {
			return "", errors.New("no terminal to ask for its passphrase: set AWS_VAULT_FILE_PASSPHRASE; nothing was changed")
		}
		return pass, err
	})
	if err != nil {
		return err
	}
	keys, err := readKeys(ctx, vault, store)
	if err != nil {
		return err
	}
	files, err := awsconfig.Load()
	if err != nil {
		return err
	}
	items := map[string]bool{}
	for _, k := range keys {
		items[k.profile] = true
	}
	keyed := func(name string) bool {
		if _, ok, _ := files.StaticKeys(name); ok || items[name] {
			return true
		}
		_, err := store.Keys(ctx, name)
		return err == nil
	}
	pl, err := (&planner{files: files, front: front, items: items, keyed: keyed}).makePlan()
	if err != nil {
		return err
	}
	old, edited, err := checkPlan(files, &pl)
	if err != nil {
		return err
	}
	if !o.NoVerify {
		if err := verify(ctx, keys); err != nil {
			return err
		}
	}
	if !show(out, vault, files.ConfigPath, keys, pl, old, edited) {
		fmt.Fprintln(out, "nothing to do: mfacred holds these keys and serves these profiles already")
		return removeItems(ctx, vault, keys, o.Remove, log)
	}
	if err := agree(ctx, o.Yes); err != nil {
		return err
	}
	// The plan was made from old: a config another program wrote since (the AWS CLI) is not
	// edited with it, nor kept as a backup that lacks that change.
	changed := fmt.Errorf("%s changed since the plan was made (another program wrote it): nothing was changed; run import again", files.ConfigPath)
	if now, _, err := edit.Preview(files.ConfigPath, func(b []byte) []byte { return b }); err != nil {
		return err
	} else if !bytes.Equal(now, old) {
		return changed
	}
	backup := ""
	if !bytes.Equal(old, edited) {
		if backup, err = keepBackup(files.ConfigPath, old); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if !k.held {
			if err := store.PutKeys(ctx, k.profile, k.creds); err != nil {
				return err
			}
			fmt.Fprintf(log, "mfacred: stored the keys of profile %s (access key %s) in the keyring\n", k.profile, k.creds.AccessKeyID)
		}
	}
	if backup != "" {
		raced := false
		if _, err := edit.File(files.ConfigPath, func(cur []byte) []byte {
			if raced = !bytes.Equal(cur, old); raced {
				return cur
			}
			return pl.apply(cur)
		}); err != nil {
			return err
		} else if raced {
			os.Remove(backup)
			return fmt.Errorf("%s changed while the keys were stored (another program wrote it): the keys are in the keyring, the config is as that program left it; run import again for the profiles", files.ConfigPath)
		}
		fmt.Fprintf(log, "mfacred: wrote %d profiles in %s (as it was before: %s)\n", len(pl.changes), files.ConfigPath, backup)
	}
	return removeItems(ctx, vault, keys, o.Remove, log)
}

// keepBackup writes old beside the config file under a name no file has yet (an earlier
// import's backup of the same second is never overwritten), and returns that name.
func keepBackup(path string, old []byte) (string, error) {
	base := fmt.Sprintf("%s.before-import-%s", path, time.Now().UTC().Format("20060102T150405Z"))
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) && n < 1000 {
			continue
		} else if err != nil {
			return "", fmt.Errorf("keep a backup of %s: %w", path, err)
		}
		f.Close()
		if err := edit.WriteFileAtomic(name, old, 0o600); err != nil {
			os.Remove(name)
			return "", err
		}
		return name, nil
	}
}

// readKeys reads every long-term key aws-vault holds, refusing the whole import for one that
// is damaged, not long-term, or for a profile whose other keys mfacred holds already (they
// are never overwritten: `mfacred remove NAME` first says that they should go).
func readKeys(ctx context.Context, vault *Vault, store *cache.Store) ([]key, error) {
	names, err := vault.Keys(ctx)
	if err != nil {
		return nil, err
	}
	var keys []key
	for _, name := range names {
		if err := cli.CheckName(name); err != nil {
			return nil, fmt.Errorf("aws-vault backend %s (%s): %w", vault.Backend, vault.Where, err)
		}
		if _, err := awsconfig.ConfigSection(name); err != nil {
			return nil, fmt.Errorf("aws-vault backend %s (%s): profile %q: mfacred cannot serve it: %w", vault.Backend, vault.Where, name, err)
		}
		creds, ok, err := vault.Get(ctx, name)
		if err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		if err := setup.CheckKeys(name, creds); err != nil {
			return nil, fmt.Errorf("aws-vault backend %s (%s): %w", vault.Backend, vault.Where, err)
		}
		k := key{profile: name, creds: creds, who: "unchecked"}
		held, err := store.Keys(ctx, name)
		switch {
		case err == nil && held == creds:
			k.held = true
		case err == nil:
			return nil, fmt.Errorf("profile %s: mfacred holds other keys for it (access key %s, aws-vault's is %s): nothing was changed; `mfacred remove %s` first if aws-vault's should replace them",
				name, held.AccessKeyID, creds.AccessKeyID, name)
		case !errors.Is(err, cache.ErrNotFound):
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("aws-vault backend %s (%s) holds no keys: nothing to import (another backend? --backend or AWS_VAULT_BACKEND names it)", vault.Backend, vault.Where)
	}
	return keys, nil
}

// checkPlan reads the config as the plan would leave it with the reader process uses, so that
// import writes nothing process refuses: a profile that turns out to have no MFA device
// anywhere is left out of the plan (listed), any other fault refuses the import.
func checkPlan(files *awsconfig.Files, pl *plan) (old, edited []byte, err error) {
	for pass := 0; ; pass++ {
		old, edited, err = edit.Preview(files.ConfigPath, pl.apply)
		if err != nil {
			return nil, nil, err
		}
		after, err := files.Edited(edited)
		if err != nil {
			return nil, nil, err
		}
		var kept []change
		for _, c := range pl.changes {
			_, err := after.Resolve(c.serves)
			switch {
			case errors.Is(err, awsconfig.ErrNoMFASerial) && pass == 0:
				pl.left = append(pl.left, c.profile+": no mfa_serial for profile "+c.serves+", which mfacred serves with an MFA session: set mfa_serial (`mfacred setup --profile "+c.serves+"` finds your device), then run import again")
			case err != nil:
				return nil, nil, fmt.Errorf("%w: nothing was changed", err)
			default:
				kept = append(kept, c)
			}
		}
		if len(kept) == len(pl.changes) {
			return old, edited, nil
		}
		pl.changes = kept
	}
}

// verify checks each key mfacred does not hold yet with AWS, before anything is stored.
func verify(ctx context.Context, keys []key) error {
	for i := range keys {
		if keys[i].held {
			continue
		}
		who, err := setup.Verify(ctx, keys[i].profile, keys[i].creds)
		if err != nil {
			return err
		}
		keys[i].who = who
	}
	return nil
}

// show writes the plan: the keys, the profiles, those left as they are, and the diff of the
// config. It reports whether there is anything to change.
func show(out io.Writer, vault *Vault, path string, keys []key, pl plan, old, edited []byte) bool {
	todo := string(old) != string(edited)
	fmt.Fprintf(out, "Keys in aws-vault (backend %s, %s):\n", vault.Backend, vault.Where)
	for _, k := range keys {
		state := "to store in mfacred's keyring (" + k.who + ")"
		if k.held {
			state = "held by mfacred already"
		}
		todo = todo || !k.held
		fmt.Fprintf(out, "  %s: access key %s, %s\n", k.profile, k.creds.AccessKeyID, state)
	}
	if len(pl.changes) > 0 {
		fmt.Fprintln(out, "Profiles:")
		for _, c := range pl.changes {
			fmt.Fprintf(out, "  %s: %s\n", c.profile, c.what)
		}
	}
	if len(pl.left) > 0 {
		fmt.Fprintln(out, "Left as they are:")
		for _, l := range pl.left {
			fmt.Fprintf(out, "  %s\n", l)
		}
	}
	if string(old) != string(edited) {
		fmt.Fprintf(out, "Changes to %s:\n", path)
		diff(out, old, edited)
	}
	return todo
}

// agree asks the person to agree on the terminal, unless yes says they do.
func agree(ctx context.Context, yes bool) error {
	if yes {
		return nil
	}
	answer, err := prompt.Ask(ctx, "Make these changes? [y/N] ", false)
	switch {
	case errors.Is(err, prompt.ErrNoTerminal):
		return ErrNoTerminal
	case err != nil:
		return err
	case strings.EqualFold(strings.TrimSpace(answer), "y") || strings.EqualFold(strings.TrimSpace(answer), "yes"):
		return nil
	}
	return ErrDeclined
}

// removeItems removes aws-vault's items of the keys mfacred now holds, when asked to.
func removeItems(ctx context.Context, vault *Vault, keys []key, remove bool, log io.Writer) error {
	if !remove {
		return nil
	}
	for _, k := range keys {
		if err := vault.Remove(ctx, k.profile); err != nil {
			return err
		}
		fmt.Fprintf(log, "mfacred: removed aws-vault's item of profile %s from backend %s\n", k.profile, vault.Backend)
	}
	return nil
}
