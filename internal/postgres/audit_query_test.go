package postgres

import (
	"testing"

	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/storetest"
)

func TestAuditQueryConformance(t *testing.T) {
	dbURL := pgtest.NewTestDatabase(t)
	storetest.RunAuditQuery(t, func(t *testing.T) storetest.AuditQueryCatalogue {
		return openTest(t, pgtest.NewTestSchema(t, dbURL))
	})
}
