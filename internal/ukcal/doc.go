// Package ukcal is the United Kingdom's working calendar: civil dates, the bank holidays of
// England and Wales, Scotland and Northern Ireland, and working days.
//
// Bank holidays are computed from the rules of the Banking and Financial Dealings Act 1971 and
// the annual royal proclamations as GOV.UK publishes them: fixed dates with substitute days,
// Good Friday and (outside Scotland) Easter Monday, the Monday holidays of May and August, the
// Scottish and Northern Irish days, plus a table of one-off and moved days (oneoff.go). The
// rules are modelled from 1990, the earliest start time the vault accepts; a proclamation that
// adds or moves a day in future needs one row in that table.
//
// Everything here is pure: no clock, no I/O, no time zone but the one a caller passes in.
package ukcal
