package metadata

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/phone"
)

// recording decodes the top-level object.
func (d *decoder) recording() (*callvault.Recording, error) {
	rec := &callvault.Recording{}
	var started, ended, source, sourceID, announcement string
	var extensions, numbers, numberFields []string
	err := d.object("metadata", func(key string) error {
		var err error
		switch key {
		case "started_at":
			started, err = d.str(key)
		case "ended_at":
			ended, err = d.str(key)
		case "direction":
			var s string
			if s, err = d.str(key); err == nil {
				rec.Direction, err = direction(s)
			}
		case "extension":
			var s string
			if s, err = d.str(key); err == nil && strings.TrimSpace(s) != "" {
				extensions = append(extensions, s)
			}
		case "extensions":
			var ss []string
			ss, err = d.strs(key, MaxExtensions)
			extensions = append(extensions, ss...)
		case "external_number":
			var s string
			if s, err = d.str(key); err == nil && strings.TrimSpace(s) != "" {
				numbers = append(numbers, s)
				numberFields = append(numberFields, key)
			}
		case "external_numbers":
			var ss []string
			ss, err = d.strs(key, MaxNumbers)
			for i, s := range ss {
				numbers = append(numbers, s)
				numberFields = append(numberFields, key+"["+strconv.Itoa(i)+"]")
			}
		case "line":
			var s string
			if s, err = d.str(key); err == nil {
				rec.Line, err = text(key, s, MaxString)
			}
		case "source":
			source, err = d.str(key)
		case "source_id":
			sourceID, err = d.str(key)
		case "announcement_played":
			announcement, err = d.str(key)
		case "parties":
			rec.Parties, err = d.parties()
		default:
			return invalid("unknown field %s in metadata; the fields are %s", quote(key), fields)
		}
		return err
	})
	if err != nil {
		return nil, err
	}

	if strings.TrimSpace(started) == "" {
		return nil, invalid("started_at is required: the call's start time in RFC 3339 form, e.g. %s", timeExample)
	}
	if err = d.startedAt(rec, started); err != nil {
		return nil, err
	}
	if strings.TrimSpace(ended) != "" {
		if rec.EndedAt, _, err = d.time("ended_at", ended); err != nil {
			return nil, err
		}
		if rec.EndedAt.Before(rec.StartedAt) {
			return nil, invalid("ended_at %s is before started_at %s", rec.EndedAt.Format(timeLayout), rec.StartedAt.Format(timeLayout))
		}
	}
	if rec.Source, err = sourceOf(source); err != nil {
		return nil, err
	}
	if rec.SourceID, err = checkSourceID(sourceID); err != nil {
		return nil, err
	}
	if rec.AnnouncementPlayed, err = announcementOf(announcement); err != nil {
		return nil, err
	}
	if rec.Extensions, err = textList("extensions", extensions, MaxExtensions); err != nil {
		return nil, err
	}
	nums, err := textList("external_numbers", numbers, MaxNumbers)
	if err != nil {
		return nil, err
	}
	for i, n := range numbers {
		if err := telephoneNumber(numberFields[i], n); err != nil {
			return nil, err
		}
	}
	for _, n := range nums {
		rec.ExternalNumbers = append(rec.ExternalNumbers, phone.Normalize(n, d.region))
	}
	return rec, nil
}

// textList checks every entry of a list of short texts and drops repeats; the singular and
// plural fields of the same list are merged into it first.
func textList(field string, in []string, max int) ([]string, error) {
	var out []string
	for i, s := range in {
		t, err := text(field, s, MaxString)
		if err != nil {
			return nil, err
		}
		if t == "" {
			return nil, invalid("%s[%d] is empty", field, i)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > max {
		return nil, invalid("%s has %d entries; at most %d are allowed", field, len(out), max)
	}
	return out, nil
}

// parties decodes the parties array.
func (d *decoder) parties() ([]callvault.Party, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, syntax(err)
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('[') {
		return nil, invalid("parties must be an array of objects")
	}
	var out []callvault.Party
	for i := 0; d.dec.More(); i++ {
		if i == MaxParties {
			return nil, invalid("parties has more than %d entries", MaxParties)
		}
		p, err := d.party(i)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if _, err := d.dec.Token(); err != nil {
		return nil, syntax(err)
	}
	return out, nil
}

// party decodes parties[i].
func (d *decoder) party(i int) (callvault.Party, error) {
	var p callvault.Party
	name := "parties[" + strconv.Itoa(i) + "]"
	err := d.object(name, func(key string) error {
		field := name + "." + key
		switch key {
		case "name", "number", "uri", "role":
		default:
			return invalid("unknown field %s in %s; the fields are name, number, uri, role", quote(key), name)
		}
		s, err := d.str(field)
		if err != nil {
			return err
		}
		switch key {
		case "name":
			p.Name, err = text(field, s, MaxString)
		case "number":
			var n string
			if n, err = text(field, s, MaxString); err == nil && n != "" {
				if err = telephoneNumber(field, n); err == nil {
					p.Number = phone.Normalize(n, d.region)
				}
			}
		case "uri":
			p.URI, err = uri(field, s)
		case "role":
			p.Role, err = role(field, s)
		}
		return err
	})
	if err != nil {
		return p, err
	}
	if p.Name == "" && p.Number.Raw == "" && p.URI == "" {
		return p, invalid("%s needs a name, number or uri", name)
	}
	return p, nil
}
