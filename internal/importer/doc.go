// Package importer takes recordings from phone systems that never speak SIPREC: the MixMonitor
// spool of Asterisk/FreePBX with its CDR (freepbx_*.go), and any folder that other tools fill
// with WAV files (watch.go). It parses names and call records into the upload API's metadata
// shape, strictly: a file whose name or record does not parse is reported with the reason and
// never guessed at. The rules every capture path shares live here once for imports: a call on
// an unrecorded line is refused (lines.go), announcement evidence is taken only where the
// source states it, and a source file is deleted only after its recording is durable and its
// hash verified (verify.go). Storing goes through callvault.Archive; cmd/callvault wires it.
package importer
