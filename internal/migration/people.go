package migration

import (
	"context"
	"fmt"

	"github.com/callvault/callvault"
)

// migratePeople copies users (with their passkeys), access requests with their grants, and delegations; what the
// target has already (an earlier run) is left as it is. Sessions are not copied: people sign in
// again on the new installation. It returns how many objects it copied.
func migratePeople(ctx context.Context, src, dst callvault.Catalogue) (int, error) {
	from, ok := src.(callvault.PeopleStore)
	to, ok2 := dst.(callvault.PeopleImporter)
	if !ok || !ok2 {
		return 0, callvault.Errorf(callvault.KindInvalid, "the catalogues cannot copy users")
	}
	n := 0
	copied := func(what, id string, err error) error {
		switch {
		case err == nil:
			n++
		case !callvault.IsKind(err, callvault.KindConflict):
			return fmt.Errorf("%s %s: %w", what, id, err)
		}
		return nil
	}
	users, err := from.Users(ctx)
	if err != nil {
		return n, err
	}
	for _, u := range users {
		if err := copied("user", u.Name, to.ImportUser(ctx, u)); err != nil {
			return n, err
		}
	}
	// Passkeys, with their signature counters: a copy must not let an old counter pass again.
	keysFrom, ok := src.(callvault.PasskeyStore)
	keysTo, ok2 := dst.(callvault.PasskeyImporter)
	if ok && ok2 {
		for _, u := range users {
			keys, err := keysFrom.Passkeys(ctx, u.ID)
			if err != nil {
				return n, err
			}
			for _, k := range keys {
				if err := copied("passkey of", u.Name, keysTo.ImportPasskey(ctx, k)); err != nil {
					return n, err
				}
			}
		}
	}
	reqs, err := from.AccessRequests(ctx, callvault.AccessRequestFilter{})
	if err != nil {
		return n, err
	}
	for _, r := range reqs {
		var g *callvault.Grant
		if r.GrantID != "" {
			if g, err = from.Grant(ctx, r.GrantID); err != nil {
				return n, err
			}
		}
		if err := copied("access request", r.ID, to.ImportAccessRequest(ctx, r, g)); err != nil {
			return n, err
		}
	}
	ds, err := from.Delegations(ctx, "")
	if err != nil {
		return n, err
	}
	for _, d := range ds {
		if err := copied("delegation", d.ID, to.ImportDelegation(ctx, d)); err != nil {
			return n, err
		}
	}
	return n, nil
}
