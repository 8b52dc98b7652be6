package postgres

import (
	"testing"

	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/storetest"
)

func TestCaseConformance(t *testing.T) {
	dbURL := pgtest.NewTestDatabase(t)
	storetest.RunCases(t, func(t *testing.T) storetest.CaseCatalogue {
		return openTest(t, pgtest.NewTestSchema(t, dbURL))
	})
}
