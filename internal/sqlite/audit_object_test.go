package sqlite_test

import (
	"testing"

	"github.com/callvault/callvault/internal/storetest"
)

func TestAuditObjectConformance(t *testing.T) {
	storetest.RunAuditObjects(t, func(t *testing.T) storetest.AuditObjectCatalogue { return openTemp(t) })
}
