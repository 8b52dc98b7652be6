package callvault

// AssignSource gives rec the source of the capture path it came through (SourceUpload for the
// upload API, SourceImport for `callvault ingest`): a recording's source is the path, never what
// its metadata says, so that an upload cannot take a SIPREC source id and block the real call.
// Metadata may leave the source out or name the same one; another source is KindInvalid.
func AssignSource(rec *Recording, path Source) error {
	if rec.Source != "" && rec.Source != path {
		return Errorf(KindInvalid, "source %q is not allowed here: a recording that arrives this way is source %q "+
			"(a recording's source is the path it came through); leave source out or set it to %q",
			rec.Source, path, path)
	}
	rec.Source = path
	return nil
}
