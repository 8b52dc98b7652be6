package siprec

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/callvault/callvault"
)

// Limits of a metadata document's shape; real documents are far below them. They keep a hostile
// body from costing more than a few times its own size.
const (
	maxXMLDepth = 32
	maxXMLNodes = 20000
)

// xnode is one element of a parsed XML document. Metadata dialects differ in attribute names,
// nesting and letter case, so the parser walks a small generic tree rather than binding structs.
type xnode struct {
	space, local string
	attrs        []xml.Attr
	kids         []*xnode
	text         string
}

// attr returns the value of the first attribute whose local name is one of names.
func (n *xnode) attr(names ...string) string {
	for _, name := range names {
		for _, a := range n.attrs {
			if strings.EqualFold(a.Name.Local, name) {
				return strings.TrimSpace(a.Value)
			}
		}
	}
	return ""
}

// child returns the first child element whose local name is one of names (case-insensitive).
func (n *xnode) child(names ...string) *xnode {
	for _, k := range n.kids {
		for _, name := range names {
			if strings.EqualFold(k.local, name) {
				return k
			}
		}
	}
	return nil
}

// childText returns the trimmed text of the first child named one of names, or "".
func (n *xnode) childText(names ...string) string {
	if c := n.child(names...); c != nil {
		return strings.TrimSpace(c.text)
	}
	return ""
}

// descendant returns the first node below n (depth first, n excluded) with one of the local
// names, compared without case, or nil.
func (n *xnode) descendant(names ...string) *xnode {
	for _, k := range n.kids {
		for _, name := range names {
			if strings.EqualFold(k.local, name) {
				return k
			}
		}
		if d := k.descendant(names...); d != nil {
			return d
		}
	}
	return nil
}

// deepText returns the trimmed text of n, or if it has none the first non-empty text below it.
func (n *xnode) deepText() string {
	if t := strings.TrimSpace(n.text); t != "" {
		return t
	}
	for _, k := range n.kids {
		if t := k.deepText(); t != "" {
			return t
		}
	}
	return ""
}

// walk calls fn for n and every element below it, depth first, in document order.
func (n *xnode) walk(fn func(*xnode)) {
	fn(n)
	for _, k := range n.kids {
		k.walk(fn)
	}
}

// parseXMLTree parses b into a tree. It rejects documents deeper than maxXMLDepth or with more
// than maxXMLNodes elements, DTDs, and non-UTF-8 encodings, with KindInvalid.
func parseXMLTree(b []byte) (*xnode, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return r, nil
		}
		return nil, errors.New("unsupported XML encoding " + label)
	}
	var root *xnode
	var stack []*xnode
	var text [][]byte
	nodes := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, callvault.Errorf(callvault.KindInvalid, "malformed recording metadata XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			nodes++
			if nodes > maxXMLNodes || len(stack) >= maxXMLDepth {
				return nil, callvault.Errorf(callvault.KindInvalid, "recording metadata XML is too large or too deeply nested")
			}
			if root != nil && len(stack) == 0 {
				return nil, callvault.Errorf(callvault.KindInvalid, "malformed recording metadata XML: more than one root element")
			}
			n := &xnode{space: t.Name.Space, local: t.Name.Local, attrs: t.Copy().Attr}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
			text = append(text, nil)
		case xml.EndElement:
			// The decoder (Strict) guarantees matching tags.
			n := stack[len(stack)-1]
			n.text = string(text[len(text)-1])
			stack, text = stack[:len(stack)-1], text[:len(text)-1]
		case xml.CharData:
			if len(text) > 0 {
				text[len(text)-1] = append(text[len(text)-1], t...)
			}
		case xml.Directive:
			return nil, callvault.Errorf(callvault.KindInvalid, "recording metadata XML must not contain a DTD or other directive")
		}
	}
	if root == nil {
		return nil, callvault.Errorf(callvault.KindInvalid, "recording metadata is empty: expected an XML document")
	}
	return root, nil
}
