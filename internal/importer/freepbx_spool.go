package importer

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// SpoolFile is one file found in a FreePBX spool.
type SpoolFile struct {
	Path string
	Name Name  // valid when Err is nil
	Err  error // why the file is not a recording this import takes (a *NameError or a layout error)
}

// ScanSpool returns every file under the spool dir in path order, each parsed with
// SpoolName. Hidden files (".name") are skipped. An error walking dir is returned.
func ScanSpool(dir string, loc *time.Location) ([]SpoolFile, error) {
	dir, err := rootFolder(dir)
	if err != nil {
		return nil, err
	}
	var out []SpoolFile
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") || !d.Type().IsRegular() {
			return nil
		}
		n, err := SpoolName(dir, p, loc)
		out = append(out, SpoolFile{Path: p, Name: n, Err: err})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}

// SpoolName parses the file at path in the spool root: a FreePBX name (ParseName) in the
// folder YYYY/MM/DD of the date in its name. A file elsewhere, or in another date's folder, is
// reported rather than taken: MixMonitor writes none there.
func SpoolName(root, path string, loc *time.Location) (Name, error) {
	n, err := ParseName(filepath.Base(path), loc)
	if err != nil {
		return Name{}, err
	}
	if real, err := rootFolder(root); err == nil {
		root = real // as ScanSpool and Watcher walk it
	}
	rel, err := filepath.Rel(root, filepath.Dir(path))
	if err != nil {
		return Name{}, &NameError{File: path, Reason: "not under the spool folder"}
	}
	if want := n.Local.Format("2006/01/02"); filepath.ToSlash(rel) != want {
		return Name{}, &NameError{File: n.File, Reason: fmt.Sprintf("in folder %q, not in %s as its name's date says (MixMonitor's YYYY/MM/DD layout)", filepath.ToSlash(rel), want)}
	}
	return n, nil
}

// rootFolder resolves a folder given as a symbolic link (a spool is often a link to a bigger
// disk), so that walking it finds its files; links inside it are still not followed.
func rootFolder(dir string) (string, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	return real, nil
}
