package ukcal

import (
	"strings"

	"github.com/callvault/callvault"
)

// Region is one of the three bank-holiday jurisdictions of the United Kingdom, named as GOV.UK
// names them.
type Region string

// The regions.
const (
	EnglandAndWales Region = "england-and-wales"
	Scotland        Region = "scotland"
	NorthernIreland Region = "northern-ireland"
)

// Regions lists every region, in GOV.UK's order.
var Regions = []Region{EnglandAndWales, Scotland, NorthernIreland}

// DefaultRegion is the region used when none is configured.
const DefaultRegion = EnglandAndWales

// ParseRegion returns the region named s ("" gives DefaultRegion). The error, of kind
// callvault.KindInvalid, lists the valid names.
func ParseRegion(s string) (Region, error) {
	if s == "" {
		return DefaultRegion, nil
	}
	for _, r := range Regions {
		if Region(s) == r {
			return r, nil
		}
	}
	names := make([]string, len(Regions))
	for i, r := range Regions {
		names[i] = string(r)
	}
	return "", callvault.Errorf(callvault.KindInvalid, "unknown region %q: use one of %s", s, strings.Join(names, ", "))
}
