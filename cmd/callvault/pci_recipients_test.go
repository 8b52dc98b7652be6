package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

type fakeUsers []*callvault.User

func (f fakeUsers) Users(context.Context) ([]*callvault.User, error) { return f, nil }

// The card-data alert goes to the users with role dpo who may still sign in and have an
// address; dpo_email only when there is none.
func TestDPORecipients(t *testing.T) {
	gone := time.Now()
	users := fakeUsers{
		{Name: "dora", Email: "dora@example.org", Roles: []callvault.Role{callvault.RoleDPO}},
		{Name: "deputy", Email: "deputy@example.org", Roles: []callvault.Role{callvault.RoleDPO, callvault.RoleStaff}},
		{Name: "old", Email: "old@example.org", Roles: []callvault.Role{callvault.RoleDPO}, DisabledAt: &gone},
		{Name: "quiet", Roles: []callvault.Role{callvault.RoleDPO}},
		{Name: "dan", Email: "dan@example.org", Roles: []callvault.Role{callvault.RoleDirector}},
	}
	got, err := dpoRecipients{users: users, fallback: []string{"fallback@example.org"}}.DPOAddresses(context.Background())
	if err != nil || !slices.Equal(got, []string{"dora@example.org", "deputy@example.org"}) {
		t.Errorf("DPOAddresses = %v, %v; want the two enabled DPOs with addresses", got, err)
	}
	got, _ = dpoRecipients{users: users[4:], fallback: []string{"fallback@example.org"}}.DPOAddresses(context.Background())
	if !slices.Equal(got, []string{"fallback@example.org"}) {
		t.Errorf("without a DPO: %v, want the dpo_email fallback", got)
	}
}
