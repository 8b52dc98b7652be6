package postgres

import (
	"testing"

	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/storetest"
)

func TestAuditObjectConformance(t *testing.T) {
	dbURL := pgtest.NewTestDatabase(t)
	storetest.RunAuditObjects(t, func(t *testing.T) storetest.AuditObjectCatalogue {
		return openTest(t, pgtest.NewTestSchema(t, dbURL))
	})
}
