package cases_test

import (
	"context"
	"strings"
	"testing"

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
	staff := &callvault.Principal{Kind: callvault.PrincipalUser, ID: callvault.NewID(), Name: "sam", Actor: "user:sam",
		Roles: []callvault.Role{callvault.RoleStaff}, NoticeAcknowledged: true}
	f.Fuzz(func(t *testing.T, when, ext, note string) {
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
