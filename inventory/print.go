package inventory

import (
	"fmt"
	"io"
	"time"
)

// Print writes inv as `mfacred status` shows it, keyring names the keyring it was read from:
// one line per cached session (the profiles it serves, the device, the keys' source, the time
// left), its role credentials indented below it, then the items no call can use. Never a
// secret: nothing here holds one.
func (inv Inventory) Print(w io.Writer, keyring string, now time.Time) {
	fmt.Fprintf(w, "keyring: %s\n", keyring)
	if inv.Rebuilt {
		fmt.Fprintln(w, "note: the keyring's record of cached items was damaged and rebuilt from the config's profiles: items of profiles no longer in the config may be missing below (the keychain's own tool shows them); `mfacred clear` removes what is listed and ends this note")
	}
	for _, l := range inv.Logins {
		fmt.Fprintln(w, l)
	}
	if len(inv.Groups) == 0 && len(inv.Unusable) == 0 {
		fmt.Fprintln(w, "no cached sessions")
		return
	}
	for _, g := range inv.Groups {
		if g.Cached {
			fmt.Fprintf(w, "%s\tdevice %s\tkeys of %s\t%s\n", g.Names(), g.Entry.Device, g.Entry.Source, g.Left(now))
		} else if g.Entry.Device == "" { // roles on an aws login session, listed above
			fmt.Fprintf(w, "(aws login %s)\n", g.Entry.Source)
		} else {
			fmt.Fprintf(w, "(no cached session)\tdevice %s\tkeys of %s\n", g.Entry.Device, g.Entry.Source)
		}
		for _, r := range g.Roles {
			fmt.Fprintf(w, "  %s\trole %s\tas %s\t%s\n", r.Names(), r.Entry.Role, r.Entry.ARN, r.Left(now))
		}
	}
	for _, u := range inv.Unusable {
		fmt.Fprintf(w, "(%s)\titem %s\t`mfacred clear` removes it\n", u.Why, u.Key)
	}
}
