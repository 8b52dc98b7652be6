// Package jobs runs background jobs on exactly one node at a time and once per interval in the
// whole cluster, elected through leases in the catalogue.
//
// Each job has two leases: its schedule lease, which one node (the scheduler) holds
// continuously, renewing it every TTL/3, and its work lease, which whoever runs the job holds
// only while it runs (the scheduler when the interval is due, or an operator's manual run). The
// other nodes poll and take the schedule over only when the scheduler has stopped renewing it
// (it died, or lost the catalogue for longer than the TTL). A node that takes over runs the job
// at once, so a failover costs at most one extra run.
package jobs
