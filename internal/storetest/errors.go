package storetest

import (
	"errors"

	"github.com/callvault/callvault"
)

func asError(err error, e **callvault.Error) bool { return errors.As(err, e) }
