// Package rowjson decodes the catalogue's JSON columns of a recording (extensions, external
// numbers, parties, attributes) for the stores. A search returns up to thousands of rows, and
// encoding/json's reflection took most of the time of reading one; the plain form these columns
// hold (what json.Marshal or PostgreSQL's jsonb wrote: known keys, strings without escapes) is
// decoded here by hand, and anything else (an escape, an unknown key, a null, invalid UTF-8) by
// encoding/json, so the result is always what json.Unmarshal would give.
package rowjson

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/callvault/callvault"
)

// Strings decodes a JSON array of strings.
func Strings(b []byte, dst *[]string) error {
	d := decoder{b: b}
	if out, ok := d.strings(); ok && d.end() {
		*dst = out
		return nil
	}
	return json.Unmarshal(b, dst)
}

// Numbers decodes a JSON array of callvault.Number.
func Numbers(b []byte, dst *[]callvault.Number) error {
	d := decoder{b: b}
	if out, ok := d.numbers(); ok && d.end() {
		*dst = out
		return nil
	}
	return json.Unmarshal(b, dst)
}

// Parties decodes a JSON array of callvault.Party.
func Parties(b []byte, dst *[]callvault.Party) error {
	d := decoder{b: b}
	if out, ok := d.parties(); ok && d.end() {
		*dst = out
		return nil
	}
	return json.Unmarshal(b, dst)
}

// StringMap decodes a JSON object of strings.
func StringMap(b []byte, dst *map[string]string) error {
	d := decoder{b: b}
	if out, ok := d.stringMap(); ok && d.end() {
		*dst = out
		return nil
	}
	return json.Unmarshal(b, dst)
}

// decoder reads the plain form; every method reports false for anything else, and the caller
// then leaves the input to encoding/json.
type decoder struct {
	b []byte
	i int
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and consumes c if it is the next byte.
func (d *decoder) next(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (d *decoder) end() bool {
	d.ws()
	return d.i == len(d.b)
}

// str reads a string without escapes or control characters, in valid UTF-8.
func (d *decoder) str() (string, bool) {
	if !d.next('"') {
		return "", false
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		}
		d.i++
	}
	return "", false
}

// list reads a JSON array, calling item for each element.
func (d *decoder) list(item func() bool) bool {
	if !d.next('[') {
		return false
	}
	if d.next(']') {
		return true
	}
	for {
		if !item() {
			return false
		}
		if d.next(']') {
			return true
		}
		if !d.next(',') {
			return false
		}
	}
}

// object reads a JSON object, calling field with each key; field reads the value.
func (d *decoder) object(field func(key string) bool) bool {
	if !d.next('{') {
		return false
	}
	if d.next('}') {
		return true
	}
	for {
		k, ok := d.str()
		if !ok || !d.next(':') || !field(k) {
			return false
		}
		if d.next('}') {
			return true
		}
		if !d.next(',') {
			return false
		}
	}
}

func (d *decoder) strings() ([]string, bool) {
	out := []string{}
	ok := d.list(func() bool {
		s, ok := d.str()
		out = append(out, s)
		return ok
	})
	return out, ok
}

// number reads a callvault.Number object.
func (d *decoder) number(n *callvault.Number) bool {
	return d.object(func(key string) bool {
		var ok bool
		switch key {
		case "e164":
			n.E164, ok = d.str()
		case "raw":
			n.Raw, ok = d.str()
		}
		return ok
	})
}

func (d *decoder) numbers() ([]callvault.Number, bool) {
	out := []callvault.Number{}
	ok := d.list(func() bool {
		var n callvault.Number
		ok := d.number(&n)
		out = append(out, n)
		return ok
	})
	return out, ok
}

func (d *decoder) parties() ([]callvault.Party, bool) {
	out := []callvault.Party{}
	ok := d.list(func() bool {
		var p callvault.Party
		ok := d.object(func(key string) bool {
			var ok bool
			var s string
			switch key {
			case "name":
				p.Name, ok = d.str()
			case "number":
				ok = d.number(&p.Number)
			case "uri":
				p.URI, ok = d.str()
			case "role":
				s, ok = d.str()
				p.Role = callvault.PartyRole(s)
			}
			return ok
		})
		out = append(out, p)
		return ok
	})
	return out, ok
}

func (d *decoder) stringMap() (map[string]string, bool) {
	out := map[string]string{}
	ok := d.object(func(key string) bool {
		v, ok := d.str()
		out[key] = v
		return ok
	})
	return out, ok
}
