package main

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestSignInTellsNoNames: over HTTP, a real account and an unknown name answer every wrong try
// with the same status and body, and once locked (the real one by ten wrong passwords, the
// unknown one by as many tries) the same again, the right password included.
func TestSignInTellsNoNames(t *testing.T) {
	v := startVault(t)
	v.addUser(t, "sam", "staff")
	c := v.client(t)
	answer := func(name, password string) (int, map[string]any) {
		st, out := c.call("POST", "/api/v1/login", map[string]any{"username": name, "password": password})
		delete(out, "request_id") // differs per request
		delete(out, "instance")
		return st, out
	}
	for i := 0; i < 11; i++ {
		password := fmt.Sprintf("guess-number-%02d-xyz", i)
		if i == 10 {
			password = pw // the right one, refused during the lockout
		}
		st, real := answer("sam", password)
		st2, unknown := answer("samuel", password)
		if st != 401 || st2 != st || !reflect.DeepEqual(real, unknown) {
			t.Fatalf("try %d: real account %d %v, unknown name %d %v", i, st, real, st2, unknown)
		}
		if locked := strings.Contains(fmt.Sprint(real["detail"]), "locked"); locked != (i == 10) {
			t.Fatalf("try %d: %v", i, real)
		}
	}
}
