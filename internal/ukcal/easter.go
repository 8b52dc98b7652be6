package ukcal

import "time"

// Easter returns Easter Sunday of year y in the Gregorian calendar (the anonymous Gregorian
// algorithm, also known as Meeus/Jones/Butcher), which is the date the Church of England and
// the bank-holiday proclamations use.
func Easter(y int) Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{y, time.Month(month), day}
}
