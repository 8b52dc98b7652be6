// Package testenv gives tests the external components that the project's test script provides
// (PostgreSQL, an S3 server, sipp, an SMTP server, MariaDB) through environment variables, with one rule: a test whose
// component is not configured is skipped, unless CALLVAULT_TEST_REQUIRE_EXTERNAL=1, in which case
// it fails, so that CI can never pass by skipping.
package testenv

import (
	"os"
	"testing"
)

// The variables the test script sets.
const (
	Postgres        = "CALLVAULT_TEST_PG"        // a PostgreSQL URL; tests create their own databases there
	VersityGW       = "CALLVAULT_TEST_VERSITYGW" // path of a versitygw binary (S3 server)
	Sipp            = "CALLVAULT_TEST_SIPP"      // path of sipp
	Mailpit         = "CALLVAULT_TEST_MAILPIT"   // path of a mailpit binary (SMTP server with an API)
	Chromium        = "CALLVAULT_TEST_CHROMIUM"  // path of chromium, for the browser tests of the pages
	Axe             = "CALLVAULT_TEST_AXE"       // path of axe.min.js (npm axe-core), for the accessibility checks
	MariaDB         = "CALLVAULT_TEST_MARIADB"   // path of mariadbd (or mysqld), for the FreePBX CDR database
	RequireExternal = "CALLVAULT_TEST_REQUIRE_EXTERNAL"
)

// Get returns the value of the variable name, or skips t (fails it under RequireExternal=1)
// when it is unset.
func Get(t testing.TB, name string) string {
	t.Helper()
	if v := os.Getenv(name); v != "" {
		return v
	}
	if os.Getenv(RequireExternal) == "1" {
		t.Fatalf("%s is not set and %s=1: run the tests with scripts/test.sh", name, RequireExternal)
	}
	t.Skipf("%s is not set; scripts/test.sh sets it", name)
	return ""
}
