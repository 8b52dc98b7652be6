package callvault

// AttrClaimedSource keeps the source an import's metadata named when it was not SourceImport
// (see ImportSource).
const AttrClaimedSource = "claimed_source"

// AssignSource gives rec the source of the capture path it came through (SourceUpload for the
// upload API): a recording's source is the path, never what its metadata says, so that an upload
// cannot take a SIPREC source id and block the real call. Metadata may leave the source out or
// name the same one; another source is KindInvalid, so a misconfigured recorder is told at once.
func AssignSource(rec *Recording, path Source) error {
	if rec.Source != "" && rec.Source != path {
		return Errorf(KindInvalid, "source %q is not allowed here: a recording that arrives this way is source %q "+
			"(a recording's source is the path it came through); leave source out or set it to %q",
			rec.Source, path, path)
	}
	rec.Source = path
	return nil
}

// ImportSource makes rec, imported from files by an operator (`callvault ingest`), source
// SourceImport. Unlike an upload, an import whose metadata names another source (files exported
// with the upload API's metadata, say) is not refused: the claim is kept in AttrClaimedSource and
// the source is still SourceImport, so an import can never take another path's source id either.
func ImportSource(rec *Recording) {
	if rec.Source != "" && rec.Source != SourceImport {
		attrs := make(map[string]string, len(rec.Attributes)+1)
		for k, v := range rec.Attributes {
			attrs[k] = v
		}
		attrs[AttrClaimedSource] = string(rec.Source)
		rec.Attributes = attrs
	}
	rec.Source = SourceImport
}
