package sqlite_test

import (
	"testing"

	"github.com/callvault/callvault/internal/storetest"
)

func TestImportJobConformance(t *testing.T) {
	storetest.RunImportJobs(t, func(t *testing.T) storetest.ImportJobCatalogue { return openTemp(t) })
}
