package migration

import (
	"context"

	"github.com/callvault/callvault"
)

// idLister returns the IDs after the given one, in order, a page at a time; none at the end.
type idLister func(ctx context.Context, after string) ([]string, error)

func liveIDs(s callvault.RecordingStore) idLister {
	return func(ctx context.Context, after string) ([]string, error) {
		rs, err := s.ListRecordings(ctx, after, callvault.MaxSearchLimit)
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = r.ID
		}
		return out, err
	}
}

func tombstoneIDs(s callvault.CatalogueImporter) idLister {
	return func(ctx context.Context, after string) ([]string, error) {
		ts, err := s.Tombstones(ctx, after, callvault.MaxSearchLimit)
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = t.ID
		}
		return out, err
	}
}

// sameIDs walks both listings side by side and returns KindInternal naming the first ID that
// only one side has: the last word on whether the migration copied everything, and nothing more.
func sameIDs(ctx context.Context, what string, src, dst idLister) error {
	next := func(l idLister) func() (string, error) {
		var page []string
		after, done := "", false
		return func() (string, error) {
			if len(page) == 0 && !done {
				var err error
				if page, err = l(ctx, after); err != nil {
					return "", err
				}
				if len(page) == 0 {
					done = true
				} else {
					after = page[len(page)-1]
				}
			}
			if len(page) == 0 {
				return "", nil
			}
			id := page[0]
			page = page[1:]
			return id, nil
		}
	}
	nextSrc, nextDst := next(src), next(dst)
	for {
		s, err := nextSrc()
		if err != nil {
			return err
		}
		d, err := nextDst()
		if err != nil {
			return err
		}
		switch {
		case s == "" && d == "":
			return nil
		case s == d:
			continue
		case d == "" || (s != "" && s < d):
			return callvault.Errorf(callvault.KindInternal, "after the migration the source has %s %s and the target does not", what, s)
		default:
			return callvault.Errorf(callvault.KindInternal, "after the migration the target has %s %s and the source does not: migrate into an empty catalogue", what, d)
		}
	}
}
