package cases_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
)

// FuzzFlagInput: any flag is a new abusive_call case whose reference is all the flagger gets,
// or field errors; never a panic or another error.
func FuzzFlagInput(f *testing.F) {
	f.Add("2026-11-20T10:00:30Z", "201", "shouted abuse")
	f.Add("2026-11-20", "", "")
	f.Add("9999-12-31T23:59:59Z", "201; drop", "\x00")
	f.Add("2026-11-20T10:00:00+01:00", strings.Repeat("9", 33), "")
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, when, ext, note string) {
		// A new person each time: one person's flags are limited (TestFlagLimit).
		staff := &callvault.Principal{Kind: callvault.PrincipalUser, ID: callvault.NewID(), Name: "sam", Actor: "user:sam",
			Roles: []callvault.Role{callvault.RoleStaff}, NoticeAcknowledged: true}
		got, err := fx.svc.Flag(context.Background(), staff, cases.FlagInput{CallTime: when, Extension: ext, Note: note})
		if err != nil {
			if len(callvault.FieldErrorsOf(err)) == 0 {
				t.Fatalf("flag error %v is not a field error", err)
			}
			return
		}
		if !strings.HasPrefix(got.Reference, "ABU-") {
			t.Fatalf("flag answered %+v", got)
		}
	})
}

// One person may flag MaxFlagsPerDay calls in 24 hours; the next is refused as rate limited,
// opens no case, and another person is not affected; a day later the first may flag again.
func TestFlagLimit(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	person := func(name string) *callvault.Principal {
		return &callvault.Principal{Kind: callvault.PrincipalUser, ID: callvault.NewID(), Name: name, Actor: callvault.Actor("user:" + name),
			Roles: []callvault.Role{callvault.RoleStaff}, NoticeAcknowledged: true}
	}
	sam, kim := person("sam"), person("kim")
	flag := func(p *callvault.Principal) error {
		_, err := fx.svc.Flag(ctx, p, cases.FlagInput{CallTime: "2026-11-20T10:00:30Z", Extension: "201"})
		return err
	}
	for i := range cases.MaxFlagsPerDay {
		if err := flag(sam); err != nil {
			t.Fatalf("flag %d: %v", i+1, err)
		}
		fx.now = fx.now.Add(time.Minute)
	}
	if err := flag(sam); !callvault.IsKind(err, callvault.KindRateLimited) {
		t.Fatalf("flag %d answered %v, want rate limited", cases.MaxFlagsPerDay+1, err)
	}
	if err := flag(kim); err != nil {
		t.Fatalf("another person's flag: %v", err)
	}
	fx.now = fx.now.Add(24 * time.Hour)
	if err := flag(sam); err != nil {
		t.Fatalf("a day later: %v", err)
	}
}
