// Package sarclock is the subject access clock: the statutory time limit for answering a
// subject access request under UK GDPR Articles 12(3) and 12A and the DPA 2018 (s.54 for law
// enforcement processing), as the Information Commissioner applies them.
//
// The rules, and where they come from:
//
//   - The period is one calendar month and the day of receipt is day one, whether or not it is
//     a working day: a request received on 3 September is due on 3 October (ICO, "Time limits
//     for responding to data protection rights requests",
//     https://ico.org.uk/for-the-public/time-limits-for-responding-to-data-protection-rights-requests/,
//     and "What should we consider when responding to a request?" in the right of access
//     guidance for organisations, whose examples are rows of the table test: 1 January -> 1
//     February; Monday 25 November -> Friday 27 December; 31 January -> 28 or 29 February; 31
//     March -> 30 April).
//   - When the next month has no such date the period ends on its last day; when the last day
//     is a Saturday, Sunday or bank holiday (of the organisation's region, ukcal) it ends on
//     the next working day.
//   - Proof of identity restarts the clock: the period begins on the day the identity
//     information the organisation asked for arrives ("the relevant time" is the latest of
//     receipt of the request, of the identity information and of any fee: DPA 2018 s.54(3) and
//     UK GDPR Art. 12A; the ICO: "the time limit will begin once they have received this").
//     Days that passed before are not kept, and any earlier clarification pause is moot.
//   - Clarification pauses the clock: "the period beginning with the day on which the
//     controller makes the request and ending with the day on which the controller receives the
//     information does not count" (DPA 2018 s.54(3C), and Art. 12A UK GDPR as inserted by the
//     Data (Use and Access) Act 2025, in force 5 February 2026). Both the day of asking and
//     the day of the answer are paused days, and the end of the period moves by that many
//     days. The days are added to the end of the month before the working-day rule: a month
//     ending on Saturday 28 February with 3 paused days ends on Tuesday 3 March, not Thursday
//     5 March. A day is counted once even if two pauses touch it.
//   - A stop must begin on or before the due date in force when it begins: a clock that has
//     run out cannot be stopped. Stops are recorded in order and do not overlap; only the last
//     may still be waiting, and while it waits the clock has no due date (Clock.Stopped).
//   - An extension of one or two further months needs a reason and must be notified to the
//     requester within the first month, that is on or before the original due date (the period
//     runs to the end of that day), counting any pauses up to the notice. The extended period is
//     counted from the start, as the ICO says ("three months from the original start date"),
//     with the month-end, pause and working-day rules as above.
//
// Dates are civil dates (ukcal.Date) in the organisation's time zone: a request e-mailed at
// 00:30 BST on 1 September was received on 1 September, although it is still 31 August in UTC
// (use ukcal.FromTime with callvault.DefaultZone()).
package sarclock
