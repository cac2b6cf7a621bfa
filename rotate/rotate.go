// Package rotate replaces the long-term access key of a profile's IAM user (`mfacred
// rotate`), top to bottom:
//
//  1. the key stored in the keyring for the profile's key source (where `mfacred add` stores
//     it); keys in the credentials file are refused: mfacred never writes a secret to disk;
//  2. the user's MFA session on the profile's device, as `mfacred process` gets it (package
//     session: the cached one, or a new one with one code), since a "deny unless MFA" policy
//     denies the IAM key actions to long-term keys;
//  3. ListAccessKeys: a user with two keys, the most AWS allows, is told so and nothing changes;
//  4. CreateAccessKey, then GetCallerIdentity with the new key until AWS accepts it (a new key
//     is refused for a few seconds), within Propagation;
//  5. the new key stored in the keyring in place of the old one; the sessions made with the old
//     key stay, since AWS serves them until they expire (cache.Store.PutRotatedKeys);
//  6. DeleteAccessKey of the old key, with the same MFA session: a session of the new key
//     would cost a second code, and AWS binds a session to the user, not to its key.
//
// Whatever step fails or is interrupted (Ctrl-C), one working key stays stored, and the error
// says which key is where, by key id: before the new key is stored it is deleted again; after,
// the old one that could not be deleted is named with the command that deletes it.
package rotate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/keyring"
	"github.com/mfacred/mfacred/session"
)

// Propagation bounds the wait for AWS to accept a new key: one STS call's budget. AWS says a
// new key may take a few seconds to work everywhere; aws-vault waits up to 20 s as well.
const Propagation = deadline.Call

// retryEvery is how often a refused new key is tried again.
const retryEvery = time.Second

// Grace is how long work that must not stop half done (storing the new key, deleting it again)
// may go on after Ctrl-C: every wait still ends within a second of it.
const Grace = 800 * time.Millisecond

// ErrTwoKeys is what a TwoKeysError is (errors.Is).
var ErrTwoKeys = errors.New("two access keys already")

// TwoKeysError says that the user has two access keys, the most AWS allows, so no new one can
// be made: which is stored (in use) and which is not.
type TwoKeysError struct {
	Profile, Source, User string
	InUse, Other          string
	Delete                string // the command that deletes Other
}

func (e *TwoKeysError) Error() string {
	return fmt.Sprintf("profile %s: user %s has two access keys already, the most AWS allows: %s (stored for profile %s, in use) and %s (not stored by mfacred): nothing was changed; delete the one not in use (%s) and run rotate again",
		e.Profile, e.User, e.InUse, e.Source, e.Other, e.Delete)
}

func (e *TwoKeysError) Unwrap() error { return ErrTwoKeys }

// IAM is the part of the IAM client a rotation needs.
type IAM interface {
	ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, opts ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	CreateAccessKey(ctx context.Context, in *iam.CreateAccessKeyInput, opts ...func(*iam.Options)) (*iam.CreateAccessKeyOutput, error)
	DeleteAccessKey(ctx context.Context, in *iam.DeleteAccessKeyInput, opts ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error)
}

// rotation is one run: the profile, the keys and the IAM client signed with the MFA session.
type rotation struct {
	p      *awsconfig.Profile
	store  *cache.Store
	log    io.Writer
	iam    IAM
	user   string // the IAM user's name
	old    cache.Credentials
	newKey cache.Credentials
}

func (rt *rotation) logf(format string, args ...any) {
	fmt.Fprintf(rt.log, "mfacred: "+format+"\n", args...)
}

// Run rotates the access key of profile name's IAM user, saying each step on log ("mfacred:
// ..." lines; key ids only, never a secret).
func Run(ctx context.Context, store *cache.Store, name string, log io.Writer) error {
	files, p, err := session.LoadProfile(name)
	if err != nil {
		return err
	}
	rt := &rotation{p: p, store: store, log: log}
	// The user's MFA session on the profile's device: for a role profile too, the session its
	// role is assumed with, never the role's credentials.
	r := hit.For(files, p)
	r.Role, r.MinLeft = nil, 0
	unlock, err := rt.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock.Close()
	if err := rt.oldKey(ctx, r); err != nil {
		return err
	}
	out, err := session.ForProfile(store, p).Credentials(ctx, r)
	if err != nil {
		return err
	}
	if w := out.Warning(); w != nil {
		rt.logf("%v", w)
	}
	cfg, err := awsclient.Config(ctx, awsclient.For(p), out.Credentials)
	if err != nil {
		return fmt.Errorf("profile %s: %w", name, err)
	}
	rt.iam = iam.NewFromConfig(cfg)
	return rt.rotate(ctx)
}

// lock makes rotations of one key source take turns: a second one started meanwhile would
// read the key the first replaces, and store its own over the first's new key, which would
// then exist at AWS stored nowhere. The second one rotates the first's new key.
func (rt *rotation) lock(ctx context.Context) (io.Closer, error) {
	if rt.p.Login != nil || rt.store.SessionsOnly(ctx) {
		return io.NopCloser(nil), nil // refused by oldKey
	}
	for {
		turn, err := rt.store.LockOrWait(ctx, "rotate|"+rt.p.KeySource, deadline.LockWait)
		if err != nil {
			return nil, fmt.Errorf("profile %s: wait for the other mfacred rotate of the keys of profile %s: %w", rt.p.Name, rt.p.KeySource, err)
		}
		if turn.Lock != nil {
			return turn.Lock, nil
		}
	}
}

// oldKey reads the key to replace: the one stored for the profile's key source. Keys in the
// files are not mfacred's to rewrite.
func (rt *rotation) oldKey(ctx context.Context, r hit.Request) error {
	name, src := rt.p.Name, rt.p.KeySource
	if rt.p.Login != nil {
		return fmt.Errorf("profile %s: its credentials come from the aws login session of profile %s, which has no access key to rotate", name, rt.p.Login.Profile)
	}
	where := "the credentials file"
	if r.FileKeys != nil {
		where = r.FileKeys.File
	}
	if rt.store.SessionsOnly(ctx) {
		return fmt.Errorf("profile %s: %s holds sessions only, so the keys of profile %s come from %s, and mfacred writes no secret to a file: rotate them there with the AWS CLI or the IAM console",
			name, rt.store.KeyringName(), src, where)
	}
	old, err := rt.store.Keys(ctx, src)
	switch {
	case errors.Is(err, cache.ErrNotFound) && r.FileKeys != nil:
		return fmt.Errorf("profile %s: the keys of profile %s are in %s, not in the keyring, and mfacred writes no secret to a file: move them into the keyring first (`mfacred add %s`, then remove them from the file) and rotate then, or rotate them with the AWS CLI",
			name, src, where, shellword.Quote(src))
	case errors.Is(err, cache.ErrNotFound):
		return fmt.Errorf("profile %s: no keys of profile %s stored in the keyring, so none to rotate: `mfacred add %s` stores them", name, src, shellword.Quote(src))
	case err != nil:
		return fmt.Errorf("profile %s: read the keys of profile %s: %w", name, src, err)
	}
	if r.FileKeys != nil && r.FileKeys.AccessKeyID == old.AccessKeyID {
		return fmt.Errorf("profile %s: %s holds access key %s too (profile %s), and would keep it after rotate deleted it at AWS: remove its aws_access_key_id and aws_secret_access_key lines there first; nothing was changed",
			name, where, old.AccessKeyID, src)
	}
	rt.old = old
	return nil
}

// rotate lists, creates, checks, stores and deletes, with the MFA session's client.
func (rt *rotation) rotate(ctx context.Context) error {
	name, src, old := rt.p.Name, rt.p.KeySource, rt.old.AccessKeyID
	ids, err := rt.list(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(ids, old) {
		return fmt.Errorf("profile %s: the key stored for profile %s, %s, is not one of the access keys of user %s (%s): was it deleted? `mfacred add %s` stores a key that works; nothing was changed",
			name, src, old, rt.user, strings.Join(ids, ", "), shellword.Quote(src))
	}
	if len(ids) >= 2 {
		return rt.twoKeys(ids)
	}
	if err := rt.create(ctx, ids); err != nil {
		return err
	}
	fresh := rt.newKey.AccessKeyID
	rt.logf("created access key %s for user %s; waiting for AWS to accept it", fresh, rt.user)
	if err := rt.usable(ctx); err != nil {
		return fmt.Errorf("profile %s: the new access key %s %v; %s", name, fresh, err, rt.deleteNew(ctx))
	}
	if err := rt.storeNew(ctx); err != nil {
		return err
	}
	rt.logf("stored access key %s for profile %s in the keyring; sessions made with %s serve until they expire", fresh, src, old)
	if ctx.Err() != nil {
		return fmt.Errorf("profile %s: interrupted after access key %s was stored for profile %s, which works: the old key %s still exists at AWS, stored nowhere: delete it with %s: %w",
			name, fresh, src, old, rt.deleteCommand(old), context.Cause(ctx))
	}
	call, cancel := context.WithTimeout(ctx, deadline.Call)
	defer cancel()
	if _, err := rt.iam.DeleteAccessKey(call, &iam.DeleteAccessKeyInput{AccessKeyId: &old}); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("profile %s: interrupted while deleting the old access key %s: access key %s is stored for profile %s and works; %s may still exist at AWS, stored nowhere: delete it with %s: %w",
				name, old, fresh, src, old, rt.deleteCommand(old), context.Cause(ctx))
		}
		return fmt.Errorf("profile %s: access key %s is stored for profile %s and works, but deleting the old key %s failed: %w: it still exists at AWS, stored nowhere: delete it with %s",
			name, fresh, src, old, err, rt.deleteCommand(old))
	}
	rt.logf("deleted the old access key %s: profile %s uses access key %s of user %s", old, src, fresh, rt.user)
	return nil
}

// list returns the ids of the user's access keys, and learns the user's name.
func (rt *rotation) list(ctx context.Context) ([]string, error) {
	call, cancel := context.WithTimeout(ctx, deadline.Call)
	defer cancel()
	out, err := rt.iam.ListAccessKeys(call, &iam.ListAccessKeysInput{})
	if err != nil {
		return nil, fmt.Errorf("profile %s: list the user's access keys (iam:ListAccessKeys): %w: nothing was changed", rt.p.Name, err)
	}
	var ids []string
	for _, k := range out.AccessKeyMetadata {
		ids = append(ids, aws.ToString(k.AccessKeyId))
		rt.user = aws.ToString(k.UserName)
	}
	return ids, nil
}

// twoKeys is the error for a user with two keys, ids, one of them the stored one.
func (rt *rotation) twoKeys(ids []string) error {
	other := ids[0]
	if other == rt.old.AccessKeyID {
		other = ids[1]
	}
	return &TwoKeysError{Profile: rt.p.Name, Source: rt.p.KeySource, User: rt.user, InUse: rt.old.AccessKeyID, Other: other, Delete: rt.deleteCommand(other)}
}

// create makes the new key; the user has the keys before.
func (rt *rotation) create(ctx context.Context, before []string) error {
	call, cancel := context.WithTimeout(ctx, deadline.Call)
	defer cancel()
	out, err := rt.iam.CreateAccessKey(call, &iam.CreateAccessKeyInput{})
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae) && ae.ErrorCode() == "LimitExceeded":
		// Another key was made since the list: list again to name it.
		if ids, lerr := rt.list(ctx); lerr == nil && len(ids) >= 2 && slices.Contains(ids, rt.old.AccessKeyID) {
			return rt.twoKeys(ids)
		}
		return fmt.Errorf("profile %s: user %s has two access keys already (%w): nothing was changed", rt.p.Name, rt.user, err)
	case err != nil && ctx.Err() != nil:
		return rt.interruptedCreate(ctx, before)
	case err != nil:
		return fmt.Errorf("profile %s: create a new access key (iam:CreateAccessKey): %w: nothing was changed", rt.p.Name, err)
	case out.AccessKey == nil:
		return fmt.Errorf("profile %s: AWS answered CreateAccessKey without a key: nothing was changed", rt.p.Name)
	}
	rt.newKey = cache.Credentials{AccessKeyID: aws.ToString(out.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(out.AccessKey.SecretAccessKey)}
	return nil
}

// interruptedCreate follows a CreateAccessKey cut short by Ctrl-C: AWS may have made the key
// without this process learning it, so the keys are listed again (within Grace) and one that
// was not there before is deleted.
func (rt *rotation) interruptedCreate(ctx context.Context, before []string) error {
	call, cancel := afterSignal(ctx, deadline.Call)
	defer cancel()
	stays := fmt.Sprintf("access key %s stays stored for profile %s and works", rt.old.AccessKeyID, rt.p.KeySource)
	out, err := rt.iam.ListAccessKeys(call, &iam.ListAccessKeysInput{})
	if err != nil {
		return fmt.Errorf("profile %s: interrupted while AWS made a new access key: %s; whether AWS made one could not be seen (%v): list the keys with `aws iam list-access-keys` and delete any other: %w",
			rt.p.Name, stays, err, context.Cause(ctx))
	}
	made := "AWS made none"
	for _, k := range out.AccessKeyMetadata {
		id := aws.ToString(k.AccessKeyId)
		if slices.Contains(before, id) {
			continue
		}
		if _, err := rt.iam.DeleteAccessKey(call, &iam.DeleteAccessKeyInput{AccessKeyId: &id}); err != nil {
			made = fmt.Sprintf("AWS made access key %s, stored nowhere, and deleting it failed (%v): delete it with %s", id, err, rt.deleteCommand(id))
		} else {
			made = fmt.Sprintf("AWS made access key %s, and it was deleted again", id)
		}
	}
	return fmt.Errorf("profile %s: interrupted while AWS made a new access key: %s; %s: %w", rt.p.Name, made, stays, context.Cause(ctx))
}

// usable waits, within Propagation, until AWS accepts the new key (GetCallerIdentity, no
// permission needed) as the same user's. Its error completes "the new access key ID ...".
func (rt *rotation) usable(ctx context.Context) error {
	client, err := awsclient.STS(ctx, awsclient.For(rt.p), rt.newKey)
	if err != nil {
		return fmt.Errorf("could not be checked: %w", err)
	}
	wait, cancel := context.WithTimeout(ctx, Propagation)
	defer cancel()
	for {
		arn, err := iamuser.Verify(wait, client, deadline.Call)
		switch {
		case err == nil && !strings.HasSuffix(arn, "/"+rt.user):
			return fmt.Errorf("belongs to %s, not to user %s", arn, rt.user)
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("was not accepted yet: %w", context.Cause(ctx))
		case wait.Err() != nil:
			return fmt.Errorf("was still refused by AWS after %s (GetCallerIdentity: %w)", Propagation, err)
		case !errors.Is(err, iamuser.ErrRejected):
			return fmt.Errorf("could not be checked (GetCallerIdentity): %w", err)
		}
		if deadline.Sleep(wait, retryEvery) != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("was not accepted yet: %w", context.Cause(ctx))
			}
			return fmt.Errorf("was still refused by AWS after %s (GetCallerIdentity: %w)", Propagation, err)
		}
	}
}

// storeNew stores the new key in place of the old one. A write the keyring refused did not
// happen: the new key is deleted again. A write it did not answer (keyring.ErrNoAnswer) may have
// happened after all, so the key is read back first.
func (rt *rotation) storeNew(ctx context.Context) error {
	name, src, old, fresh := rt.p.Name, rt.p.KeySource, rt.old.AccessKeyID, rt.newKey.AccessKeyID
	put, cancel := afterSignal(ctx, deadline.Keyring)
	err := rt.store.PutRotatedKeys(put, src, rt.newKey)
	cancel()
	if err == nil {
		return nil
	}
	held, rerr := rt.old, error(nil)
	if errors.Is(err, keyring.ErrNoAnswer) {
		get, cancel := afterSignal(ctx, deadline.Keyring)
		held, rerr = rt.store.Keys(get, src)
		cancel()
	}
	switch {
	case rerr == nil && held.AccessKeyID == fresh:
		return nil
	case rerr == nil && held.AccessKeyID == old:
		return fmt.Errorf("profile %s: the new access key %s could not be stored in the keyring (%v); %s", name, fresh, err, rt.deleteNew(ctx))
	}
	return fmt.Errorf("profile %s: the new access key %s may or may not be stored in the keyring (%v), which does not say which key it holds now (%v): both %s and %s exist at AWS and work; once the keyring answers, `mfacred doctor --profile %s` names the key it holds: delete the other (%s)",
		name, fresh, err, rerr, old, fresh, shellword.Quote(name), rt.deleteCommand("KEY-ID"))
}

// deleteNew deletes the new key again, before it was stored, and says where the keys are.
func (rt *rotation) deleteNew(ctx context.Context) string {
	fresh := rt.newKey.AccessKeyID
	call, cancel := afterSignal(ctx, deadline.Call)
	defer cancel()
	if _, err := rt.iam.DeleteAccessKey(call, &iam.DeleteAccessKeyInput{AccessKeyId: &fresh}); err != nil {
		return fmt.Sprintf("deleting it again failed (%v): it exists at AWS, stored nowhere: delete it with %s; access key %s stays stored for profile %s and works",
			err, rt.deleteCommand(fresh), rt.old.AccessKeyID, rt.p.KeySource)
	}
	return fmt.Sprintf("it was deleted again: access key %s stays stored for profile %s and works, nothing else changed", rt.old.AccessKeyID, rt.p.KeySource)
}

// deleteCommand is how a person deletes key id with the user's MFA session: through the
// profile itself, unless its credentials are a role's. The profile's name is quoted for the
// shell it is pasted into: a name such as `ops $(...)` would run as a command.
func (rt *rotation) deleteCommand(id string) string {
	if rt.p.Role == nil {
		return fmt.Sprintf("`aws iam delete-access-key --access-key-id %s --profile %s`", id, shellword.Quote(rt.p.Name))
	}
	return fmt.Sprintf("`aws iam delete-access-key --access-key-id %s` as user %s with MFA, or in the IAM console", id, rt.user)
}

// afterSignal is a context for work that must not stop half done: bounded by limit, and ended
// Grace after ctx ends (Ctrl-C), so that it still ends within a second of it.
func afterSignal(ctx context.Context, limit time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(Grace, cancel) })
	return c, func() { stop(); cancel() }
}
