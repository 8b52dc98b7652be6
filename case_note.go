package callvault

// ActCaseNote is keeping a note on a case (the runner of the case; the note's text stays in the
// case, its audit event counts its length only).
const ActCaseNote Action = "case.note"
