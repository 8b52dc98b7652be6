package testenv

import "testing"

func TestGet(t *testing.T) {
	t.Setenv("CALLVAULT_TEST_X", "value")
	if Get(t, "CALLVAULT_TEST_X") != "value" {
		t.Fatal("Get does not return the value")
	}
	t.Run("skips", func(t *testing.T) {
		t.Setenv(RequireExternal, "")
		Get(t, "CALLVAULT_TEST_UNSET")
		t.Fatal("Get did not skip")
	})
}
