package sqlite_test

import (
	"testing"

	"github.com/callvault/callvault/internal/storetest"
)

func TestMailConformance(t *testing.T) {
	storetest.RunMail(t, func(t *testing.T) storetest.MailCatalogue { return openTemp(t) })
}
