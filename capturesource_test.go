package callvault

import (
	"strings"
	"testing"
)

func TestAssignSource(t *testing.T) {
	for _, claimed := range []Source{"", SourceUpload} {
		r := &Recording{Source: claimed}
		if err := AssignSource(r, SourceUpload); err != nil || r.Source != SourceUpload {
			t.Errorf("claimed %q: source %q, err %v; want upload", claimed, r.Source, err)
		}
	}
	for _, claimed := range []Source{SourceSIPREC, SourceImport} {
		r := &Recording{Source: claimed}
		err := AssignSource(r, SourceUpload)
		if !IsKind(err, KindInvalid) || !strings.Contains(err.Error(), `source "`+string(claimed)+`" is not allowed here`) {
			t.Errorf("claimed %q: err %v, want KindInvalid naming it", claimed, err)
		}
		if r.Source != claimed {
			t.Errorf("claimed %q: source changed to %q on refusal", claimed, r.Source)
		}
	}
}

func TestImportSource(t *testing.T) {
	r := &Recording{}
	ImportSource(r)
	if r.Source != SourceImport || len(r.Attributes) != 0 {
		t.Errorf("unclaimed: %q %v", r.Source, r.Attributes)
	}
	attrs := map[string]string{"x": "y"}
	r = &Recording{Source: SourceSIPREC, Attributes: attrs}
	ImportSource(r)
	if r.Source != SourceImport || r.Attributes[AttrClaimedSource] != "siprec" || r.Attributes["x"] != "y" {
		t.Errorf("claimed siprec: %q %v", r.Source, r.Attributes)
	}
	if len(attrs) != 1 {
		t.Error("the caller's attribute map was changed")
	}
}
