package postgres

import (
	"testing"

	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/storetest"
)

func TestMailConformance(t *testing.T) {
	dbURL := pgtest.NewTestDatabase(t)
	storetest.RunMail(t, func(t *testing.T) storetest.MailCatalogue {
		return openTest(t, pgtest.NewTestSchema(t, dbURL))
	})
}
