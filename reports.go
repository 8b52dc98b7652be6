package callvault

// The DPO's reports read recordings' metadata and the audit log, never audio: inbound calls
// without evidence that the caller heard the recording announcement, and the card-data alerts
// of the PCI guard. Each read is audited (ActionReportRead), like any read of many recordings.
const (
	ActReportAnnouncements Action = "report.announcements" // inbound calls without announcement evidence
	ActPCIAlertList        Action = "pci.alert_list"       // the card-data alerts (ActionPCICardDataKeyed events)
)

// ActionReportRead is the audit action of a report read (by the CLI or a page); its object
// names the report ("report:announcements") and its detail the range, never a row.
const ActionReportRead = "report.read"
