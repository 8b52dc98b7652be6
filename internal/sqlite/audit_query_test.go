package sqlite_test

import (
	"testing"

	"github.com/callvault/callvault/internal/storetest"
)

func TestAuditQueryConformance(t *testing.T) {
	storetest.RunAuditQuery(t, func(t *testing.T) storetest.AuditQueryCatalogue { return openTemp(t) })
}
