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
