package cases

import (
	"cmp"
	"slices"
)

// sortByDue orders the desk: cases with a due date first, earliest first, then by ID (the
// order they were opened).
func sortByDue(vs []*CaseView) {
	slices.SortStableFunc(vs, func(a, b *CaseView) int {
		switch {
		case a.DueDate == "" && b.DueDate != "":
			return 1
		case a.DueDate != "" && b.DueDate == "":
			return -1
		}
		if c := cmp.Compare(a.DueDate, b.DueDate); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
