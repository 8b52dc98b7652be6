// Package report makes the Data Protection Officer's reports over recordings' metadata and the
// audit log, never audio: inbound calls without evidence that the caller heard the recording
// announcement (the policy's section 3), and the PCI guard's card-data alerts. The CLI
// (`callvault report announcements`) and the pages share it; pages go through Service, which
// asks the rules and audits each read.
package report
