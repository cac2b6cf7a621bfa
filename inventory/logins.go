package inventory

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/loginsession"
)

// logins lists the `aws login` sessions the config's profiles use, one line each, as status
// prints them: the profile signed in, the profiles it serves, when its credentials expire and
// when the session ends. Never a secret.
func logins(files *awsconfig.Files, now time.Time) []string {
	logins, served := LoginSessions(files)
	var names []string
	for n := range logins {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		s := &loginsession.Session{Profile: n, Login: *logins[n]}
		serves := "(no mfacred profile)"
		if len(served[n]) > 0 {
			serves = "serves " + strings.Join(served[n], ",")
		}
		state := ""
		t, path, err := s.Read()
		switch {
		case errors.Is(err, loginsession.ErrEnded):
			state = "no token file: sign in with `aws login --profile " + n + "`"
		case err != nil:
			state = "token file " + path + " unreadable: sign in again with `aws login --profile " + n + "`"
		default:
			state = "credentials " + loginLeft(t.Expires, now)
			if v := hit.Process.JudgeLogin(t.Expires, now); !v.Serves() && v.Reason != hit.Expired {
				state += ", refreshed at the next call (" + v.Why() + ")"
			}
			if end, ok := t.SessionEnds(); ok {
				state += "\tsession ends by " + end.Format("2006-01-02 15:04 UTC")
			} else {
				state += "\tsession ends within 12 h of its aws login"
			}
		}
		out = append(out, fmt.Sprintf("aws login %s\t%s\t%s", n, serves, state))
	}
	return out
}

// LoginSessions finds the `aws login` sessions the profiles of files (nil: none) use, by the
// profile signed in, and the other profiles served from each (sorted): those whose
// mfacred_source_profile chain ends at it.
func LoginSessions(files *awsconfig.Files) (logins map[string]*awsconfig.Login, served map[string][]string) {
	logins, served = map[string]*awsconfig.Login{}, map[string][]string{}
	if files == nil {
		return logins, served
	}
	for _, name := range files.Profiles() {
		p, err := files.Resolve(name)
		if err != nil || p.Login == nil {
			continue
		}
		logins[p.Login.Profile] = p.Login
		if name != p.Login.Profile {
			served[p.Login.Profile] = append(served[p.Login.Profile], name)
		}
	}
	for _, names := range served {
		sort.Strings(names)
	}
	return logins, served
}

// loginLeft words how long credentials expiring at exp still live at now; that they have
// expired is hit's verdict.
func loginLeft(exp, now time.Time) string {
	if hit.Process.JudgeLogin(exp, now).Reason == hit.Expired {
		return "expired (the next call refreshes them)"
	}
	return "expire in " + exp.Sub(now).Truncate(time.Minute).String()
}
