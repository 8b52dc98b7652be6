package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/callvault/callvault"
)

// TestDPORole: a director cannot make an account they control a stand-in DPO (who would then
// approve disciplinary requests without the real DPO, against section 5 of the policy). A
// director gives the dpo role only while the vault has no enabled DPO, flagged; the DPO gives
// it; the command line (break-glass) can, and its event says so.
func TestDPORole(t *testing.T) {
	v := startVault(t)
	v.bootstrap(t, "dan")
	dan := v.signIn(t, "dan")
	dan.enrolTOTP()

	st, out := dan.call("POST", "/api/v1/users", map[string]any{"name": "dora", "roles": []string{"dpo"}})
	if st != 201 {
		t.Fatalf("director adds the first DPO: %d %v", st, out)
	}
	if f := userEventFlags(t, v, callvault.ActionUserCreate, "dora"); !slices.Contains(f, "dpo_bootstrap") {
		t.Errorf("the first DPO's user.create flags = %v, want dpo_bootstrap", f)
	}
	doraToken, _ := out["setup_token"].(string)

	if st, out := dan.call("POST", "/api/v1/users", map[string]any{"name": "mallory", "roles": []string{"dpo", "staff"}}); st != 403 || problemType(out) != "forbidden" {
		t.Errorf("director adds a second DPO: %d %v, want 403", st, out)
	}
	st, out = dan.call("POST", "/api/v1/users", map[string]any{"name": "mal", "roles": []string{"staff"}})
	if st != 201 {
		t.Fatalf("director adds staff: %d %v", st, out)
	}
	malID := out["user"].(map[string]any)["id"].(string)
	if st, out := dan.call("POST", "/api/v1/users/"+malID+"/roles", map[string]any{"roles": []string{"staff", "dpo"}}); st != 403 {
		t.Errorf("director makes staff a DPO: %d %v, want 403", st, out)
	}
	doraID := userID(t, v, "dora")
	if st, out := dan.call("POST", "/api/v1/users/"+doraID+"/disable", nil); st != 403 {
		t.Errorf("director disables the DPO (to bootstrap another): %d %v, want 403", st, out)
	}
	if st, out := dan.call("POST", "/api/v1/users/"+doraID+"/roles", map[string]any{"roles": []string{"staff"}}); st != 403 {
		t.Errorf("director removes the DPO's role: %d %v, want 403", st, out)
	}

	anon := v.client(t)
	if st, out := anon.call("POST", "/api/v1/setup", map[string]any{"token": doraToken, "password": pw}); st != 200 {
		t.Fatalf("dora sets her password: %d %v", st, out)
	}
	dora := v.signIn(t, "dora")
	dora.enrolTOTP()
	if st, out := dora.call("POST", "/api/v1/users/"+malID+"/roles", map[string]any{"roles": []string{"staff", "dpo"}}); st != 200 {
		t.Fatalf("the DPO makes another DPO: %d %v", st, out)
	}
	if f := userEventFlags(t, v, callvault.ActionUserUpdate, "mal"); f != nil {
		t.Errorf("a DPO made by the DPO is flagged %v", f)
	}

	v.addUser(t, "cleo", "dpo") // the command line: break-glass, said so in the event
	f := userEventFlags(t, v, callvault.ActionUserCreate, "cleo")
	if !slices.Contains(f, "break_glass") || !slices.Contains(f, "dpo_role_given") {
		t.Errorf("users add --role dpo flags = %v, want break_glass and dpo_role_given", f)
	}
	if n := countActions(v.events(t), callvault.ActionUserCreate); n != 4 { // dan, dora, mal, cleo
		t.Errorf("%d user.create events, want 4", n)
	}
	if n := countActions(v.events(t), callvault.ActionAccessDenied); n != 4 { // the four refusals above
		t.Errorf("%d access.denied events, want 4", n)
	}
}

// userEventFlags returns the flags of the last event of action about the user named name.
func userEventFlags(t *testing.T, v *pvault, action, name string) []string {
	t.Helper()
	var flags []string
	found := false
	for _, e := range v.events(t) {
		var d struct {
			Name  string   `json:"name"`
			Flags []string `json:"flags"`
		}
		json.Unmarshal([]byte(e.Detail), &d)
		if e.Action != action || d.Name != name {
			continue
		}
		found, flags = true, d.Flags
	}
	if !found {
		t.Fatalf("no %s event about %s", action, name)
	}
	return flags
}

func userID(t *testing.T, v *pvault, name string) string {
	t.Helper()
	for _, e := range v.events(t) {
		var d struct {
			Name string `json:"name"`
		}
		json.Unmarshal([]byte(e.Detail), &d)
		if e.Action == callvault.ActionUserCreate && d.Name == name {
			return e.Object[len("user:"):]
		}
	}
	t.Fatalf("no user %s", name)
	return ""
}
