package sqlite_test

import (
	"testing"

	"github.com/callvault/callvault/internal/storetest"
)

func TestCaseConformance(t *testing.T) {
	storetest.RunCases(t, func(t *testing.T) storetest.CaseCatalogue { return openTemp(t) })
}
