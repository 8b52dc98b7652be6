// Package fileblob keeps callvault's encrypted blobs as files under one directory on local disk.
//
// A blob with key "recordings/2026/11/x.age" is the file <dir>/recordings/2026/11/x.age (mode
// 0600, directories 0700). A writer streams into a temporary file in <dir>/.tmp; Commit fsyncs it,
// hard-links it into place (a link never replaces an existing file, which gives Commit its
// no-overwrite guarantee), removes the temporary name and fsyncs the directories it changed.
// Temporary files left by a crashed process are removed by CleanTemp.
//
// The directory must be on one filesystem that supports hard links; the top-level name ".tmp" is
// reserved. Empty directories left after Delete are kept, so a concurrent Commit into the same
// directory never races with their removal.
package fileblob
