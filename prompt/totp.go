package prompt

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/term"
)

// AWS virtual MFA devices use TOTP with SHA1, 6 digits and a 30 s period (docs/aws-contract.md §4).
var awsTOTP = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Seed generates codes from a stored TOTP seed.
type Seed struct {
	Secret string // base32, as ParseSeed returns it
	Now    func() time.Time
}

// Name implements Source.
func (Seed) Name() string { return "stored TOTP seed" }

// Interactive implements Source.
func (Seed) Interactive() bool { return false }

// Code implements Source.
func (s Seed) Code(_ context.Context, _ Request) (string, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return GenerateCode(s.Secret, now())
}

// CodeNow is the code a seed makes at t and how long it is shown for: `totp set` prints it, so
// that the user can compare it with the authenticator app (a seed copied short is found then,
// not at the next renewal).
func CodeNow(secret string, t time.Time) (code string, left time.Duration, err error) {
	code, err = GenerateCode(secret, t)
	step := int64(awsTOTP.Period)
	left = time.Duration(step-t.Unix()%step) * time.Second
	return code, left, err
}

// GenerateCode returns the AWS TOTP code of secret at time t.
func GenerateCode(secret string, t time.Time) (string, error) {
	code, err := totp.GenerateCodeCustom(secret, t, awsTOTP)
	if err != nil {
		return "", fmt.Errorf("generate code from stored seed: %w", err)
	}
	return code, nil
}

// uriCause says what is wrong with a URI url.Parse refused, without the URI: its *url.Error
// quotes the whole of it, seed included. Only causes that quote at most a few characters of
// the input are kept.
func uriCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var esc url.EscapeError
	var host url.InvalidHostError
	if errors.As(err, &esc) || errors.As(err, &host) {
		return err.Error()
	}
	return "not a valid URI"
}

// short quotes a value read from an otpauth URI in an error only when it is too short to be
// (part of) a seed.
func short(v string) string {
	if len(v) <= 6 {
		return v
	}
	return fmt.Sprintf("(a value of %d characters)", len(v))
}

// ParseSeed accepts a base32 seed (spaces, dashes and lower case tolerated) or an
// otpauth://totp/ URI, and returns the seed in canonical base32. It rejects anything AWS
// would not use: another algorithm, digit count or period.
func ParseSeed(in string) (string, error) {
	in = strings.TrimSpace(in)
	if in == "" {
		return "", errors.New("no seed given")
	}
	if strings.HasPrefix(strings.ToLower(in), "otpauth:") {
		// otp.NewKeyFromURL accepts garbage without error (docs/aws-contract.md §6): check every field.
		k, err := otp.NewKeyFromURL(in)
		if err != nil {
			return "", fmt.Errorf("read otpauth URI: %s (the URI is not shown, it holds the seed): copy it again whole, or give the base32 seed", uriCause(err))
		}
		// The type is the URI's host, which like its scheme is case-insensitive.
		if !strings.EqualFold(k.Type(), "totp") {
			return "", fmt.Errorf("otpauth URI is of type %q: AWS devices use totp", short(k.Type()))
		}
		if a := k.Algorithm(); a != otp.AlgorithmSHA1 {
			return "", fmt.Errorf("otpauth URI uses algorithm %s: AWS devices use SHA1", a)
		}
		if d := k.Digits(); d != otp.DigitsSix {
			return "", fmt.Errorf("otpauth URI has %d digits: AWS devices use 6", d.Length())
		}
		// Period and Digits fall back to 30 and 6 for a value they cannot parse ("-30", "0"
		// parses, "-6" does not), and for an empty one: such a URI is refused, not read as
		// AWS's; so is a field given twice, of which the library reads the first.
		q := url.Values{}
		if u, err := url.Parse(in); err == nil {
			q = u.Query()
		}
		for _, f := range []string{"secret", "algorithm", "digits", "period"} {
			switch vs, ok := q[f]; {
			case !ok:
			case len(vs) > 1:
				return "", fmt.Errorf("otpauth URI has %s more than once: copy it again whole, or give the base32 seed", f)
			case strings.TrimSpace(vs[0]) == "" && f == "secret":
				return "", errors.New("otpauth URI has secret= with no value: copy it again whole, or give the base32 seed")
			case strings.TrimSpace(vs[0]) == "":
				return "", fmt.Errorf("otpauth URI has %s= with no value: AWS devices use algorithm=SHA1, digits=6, period=30", f)
			}
		}
		for _, f := range []string{"digits", "period"} {
			if v := q.Get(f); v != "" {
				if n, err := strconv.Atoi(v); err != nil || n <= 0 {
					return "", fmt.Errorf("otpauth URI has %s=%s, not a positive whole number: AWS devices use digits=6, period=30", f, short(v))
				}
			}
		}
		if p := k.Period(); p != 30 {
			return "", fmt.Errorf("otpauth URI has a period of %d s: AWS devices use 30 s", p)
		}
		if k.Secret() == "" {
			return "", errors.New("otpauth URI has no secret")
		}
		in = k.Secret()
	}
	s := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(in))
	s = strings.TrimRight(s, "=")
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return "", errors.New("seed is not valid base32 (letters A-Z and digits 2-7)")
	}
	if len(b) < 10 {
		return "", fmt.Errorf("seed is %d bytes long: an AWS seed has at least 10 (16 base32 characters)", len(b))
	}
	// The TOTP library decodes with padding: a length it cannot pad (17 characters, say) would
	// be stored and then fail at every call. Found by FuzzParseSeed.
	if _, err := GenerateCode(s, time.Unix(0, 0)); err != nil {
		return "", errors.New("seed is not valid base32 (letters A-Z and digits 2-7, a whole number of 5-bit groups)")
	}
	return s, nil
}

// maxSeedInput is more than any seed or otpauth URI needs.
const maxSeedInput = 4096

// ReadSeed reads the seed of device from the terminal, when in is one, or from in, until ctx
// ends: an input that never closes is given up on at Ctrl-C or SIGTERM. Input over
// maxSeedInput is refused, not cut.
func ReadSeed(ctx context.Context, in io.Reader, device string) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return Ask(ctx, fmt.Sprintf("TOTP seed (base32 or otpauth:// URI) for device %s: ", device), true)
	}
	type input struct {
		b   []byte
		err error
	}
	got := make(chan input, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(in, maxSeedInput+1))
		got <- input{b, err}
	}()
	select {
	case in := <-got:
		switch {
		case in.err != nil:
			return "", fmt.Errorf("read seed from stdin: %w", in.err)
		case len(in.b) > maxSeedInput:
			return "", fmt.Errorf("stdin holds more than %d bytes, more than any seed or otpauth URI: nothing was stored", maxSeedInput)
		}
		return string(in.b), nil
	case <-ctx.Done():
		return "", fmt.Errorf("stdin did not end (nothing was stored): %w", ctx.Err())
	}
}
