package ukcal

import "slices"

// oneOff is a bank holiday made or moved by royal proclamation for one year only. Replaces, when
// set, is the regular holiday that the proclamation moved to Date.
type oneOff struct {
	date     Date
	name     string
	replaces Date
	regions  []Region // nil: every region
}

// oneOffs are the proclaimed changes since 1990, as GOV.UK lists them. A future proclamation is
// one more row here and one more row in the table test.
var oneOffs = []oneOff{
	{Date{1995, 5, 8}, "Early May bank holiday (VE Day)", Date{1995, 5, 1}, nil},
	{Date{1999, 12, 31}, "Millennium celebrations", Date{}, nil},
	{Date{2002, 6, 3}, "Queen’s Golden Jubilee", Date{}, nil},
	{Date{2002, 6, 4}, "Spring bank holiday", Date{2002, 5, 27}, nil},
	{Date{2011, 4, 29}, "Royal wedding", Date{}, nil},
	{Date{2012, 6, 4}, "Spring bank holiday", Date{2012, 5, 28}, nil},
	{Date{2012, 6, 5}, "Queen’s Diamond Jubilee", Date{}, nil},
	{Date{2020, 5, 8}, "Early May bank holiday (VE day)", Date{2020, 5, 4}, nil},
	{Date{2022, 6, 2}, "Spring bank holiday", Date{2022, 5, 30}, nil},
	{Date{2022, 6, 3}, "Platinum Jubilee bank holiday", Date{}, nil},
	{Date{2022, 9, 19}, "Bank Holiday for the State Funeral of Queen Elizabeth II", Date{}, nil},
	{Date{2023, 5, 8}, "Bank holiday for the coronation of King Charles III", Date{}, nil},
}

func applyOneOffs(hs []Holiday, r Region, y int) []Holiday {
	for _, o := range oneOffs {
		if o.date.Year != y || (o.regions != nil && !slices.Contains(o.regions, r)) {
			continue
		}
		if !o.replaces.IsZero() {
			for i := range hs {
				if hs[i].Date == o.replaces {
					hs = append(hs[:i], hs[i+1:]...)
					break
				}
			}
		}
		hs = append(hs, Holiday{o.date, o.name})
	}
	return hs
}
