package migrations

import (
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	ok := fstest.MapFS{
		"m/0002_b.sql": {Data: []byte("B")},
		"m/0001_a.sql": {Data: []byte("A")},
		"m/10_c.sql":   {Data: []byte("C")},
		"m/readme.txt": {Data: []byte("ignored")},
	}
	ms, err := Load(ok, "m")
	if err != nil || len(ms) != 3 || ms[0].Name != "0001_a.sql" || ms[1].SQL != "B" || ms[2].Version != 10 || Latest(ms) != 10 {
		t.Fatalf("Load = %+v, %v", ms, err)
	}
	for name, bad := range map[string]fstest.MapFS{
		"no number":    {"m/init.sql": {}},
		"zero":         {"m/0000_x.sql": {}},
		"no separator": {"m/0001.sql": {}},
		"same version": {"m/0001_a.sql": {}, "m/1_b.sql": {}},
	} {
		if _, err := Load(bad, "m"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if Latest(nil) != 0 {
		t.Error("Latest(nil)")
	}
}
