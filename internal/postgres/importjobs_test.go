package postgres

import (
	"testing"

	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/storetest"
)

func TestImportJobConformance(t *testing.T) {
	dbURL := pgtest.NewTestDatabase(t)
	storetest.RunImportJobs(t, func(t *testing.T) storetest.ImportJobCatalogue {
		return openTest(t, pgtest.NewTestSchema(t, dbURL))
	})
}
