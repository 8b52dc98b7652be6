//go:build !linux

package fileblob

import (
	"errors"
	"os"
)

var errNoAnon = errors.New("unnamed temporary files are not supported here")

func openAnon(dir string) (*os.File, error) { return nil, errNoAnon }
func linkAnon(f *os.File, dst string) error { return errNoAnon }
