package syntax

import (
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// The pretty printer follows io_lib_pretty of OTP 25: it first builds an
// intermediate tree that knows the one-line length of every subterm
// (print_length), then lays it out (pp), choosing the indentation of
// tagged tuples with cind. Everything is linear in the size of the term.

type ifKind uint8

const (
	ifLeaf   ifKind = iota // text printed as is; "atomic" for layout
	ifBin                  // a binary written as integers; breakable
	ifList                 // [ ... ]
	ifTuple                // { ... }
	ifMap                  // #{ ... }
	ifPair                 // K => V
	ifRecord               // #name{ ... }
	ifField                // name = V
)

type tailKind uint8

const (
	tailNone     tailKind = iota // proper end
	tailDots                     // ",..." / "|..." (depth exhausted)
	tailImproper                 // "|Tail"
)

// ifNode is io_lib_pretty's intermediate format {What, Len, Dots, More}.
type ifNode struct {
	kind   ifKind
	tagged bool   // tuple whose first element is an atom (size > 1)
	text   string // leaf/bin text, record name (with '#'), field name
	nlen   int    // record name length / field name length + 3
	length int    // length of the one-line form
	dots   int    // number of dots in it

	elems []*ifNode // list, tuple, map (pairs) and record (fields)
	tail  tailKind
	tnode *ifNode // tailImproper: the tail

	key, val *ifNode // pair; field value in val
}

// atomic is io_lib_pretty's ?ATM: a leaf whose text is a plain string.
func (n *ifNode) atomic() bool { return n.kind == ifLeaf }

type pretty struct {
	o    *Options
	enc  Encoding
	w    writer
	buf  []byte // scratch
	slab []ifNode
}

// node allocates an intermediate node from a slab (growing up to 256
// nodes per allocation) instead of one allocation per subterm.
func (p *pretty) node(n ifNode) *ifNode {
	if len(p.slab) == cap(p.slab) {
		p.slab = make([]ifNode, 0, min(256, max(8, 2*cap(p.slab))))
	}
	p.slab = append(p.slab, n)
	return &p.slab[len(p.slab)-1]
}

func (p *pretty) leaf(s string, length int) *ifNode {
	return p.node(ifNode{kind: ifLeaf, text: s, length: length})
}

func (p *pretty) dotsLeaf(s string) *ifNode {
	return p.node(ifNode{kind: ifLeaf, text: s, length: len(s), dots: 3})
}

// printLength is print_length/6 with chars_limit -1.
func (p *pretty) printLength(t term.Term, d int) *ifNode {
	switch v := t.(type) {
	case nil:
		return p.leaf("[]", 2)
	case term.Atom:
		s := WriteAtom(v, p.enc)
		return p.leaf(s, charsLength(s))
	case term.List:
		if len(v) == 0 {
			return p.leaf("[]", 2)
		}
		return p.printLengthList(v, nil, d)
	case term.ImproperList:
		return p.printLengthList(v.Elems, v.Tail, d)
	case term.Chars:
		return p.printLength(v.List(), d)
	case term.Tuple:
		if len(v) == 0 {
			return p.leaf("{}", 2)
		}
		if p.o.Records != nil {
			if tag, ok := v[0].(term.Atom); ok {
				if names := p.o.Records(tag, len(v)-1); names != nil && len(names) == len(v)-1 {
					return p.printLengthRecord(v, names, d)
				}
			}
		}
		return p.printLengthTuple(v, d)
	case term.Map:
		if v.Len() == 0 {
			return p.leaf("#{}", 3)
		}
		return p.printLengthMap(v, d)
	case term.Binary:
		if len(v) == 0 {
			return p.leaf("<<>>", 4)
		}
		return p.printLengthBin(v, 0, 0, d)
	case term.Bitstring:
		if len(v.Data) == 0 {
			return p.leaf("<<>>", 4)
		}
		return p.printLengthBin(v.Data[:len(v.Data)-1], v.Data[len(v.Data)-1]>>(8-v.Bits), int(v.Bits), d)
	}
	// Numbers, pids, ports, refs, funs: io_lib:write/1 (latin1).
	p.buf = p.w.write(p.buf[:0], t, -1)
	s := string(p.buf)
	return p.leaf(s, charsLength(s))
}

func (p *pretty) printLengthList(elems []term.Term, tail term.Term, d int) *ifNode {
	if tail == nil && !p.o.NoStrings && d != 1 {
		if rs, ok := p.printableList(elems); ok {
			b := AppendString(p.buf[:0], rs, p.enc)
			p.buf = b
			s := string(b)
			return p.leaf(s, charsLength(s))
		}
	}
	n := p.node(ifNode{kind: ifList})
	p.fillElems(n, elems, tail, d)
	n.length, n.dots = listLength(n, 2)
	return n
}

// fillElems is print_length_list1: elements at decreasing depth, then
// the tail (dots when the depth runs out).
func (p *pretty) fillElems(n *ifNode, elems []term.Term, tail term.Term, d int) {
	n.elems = make([]*ifNode, 0, len(elems))
	for _, e := range elems {
		if d == 1 {
			n.tail = tailDots
			return
		}
		n.elems = append(n.elems, p.printLength(e, d-1))
		d--
	}
	if tail != nil {
		if d == 1 {
			n.tail = tailDots
			return
		}
		n.tail = tailImproper
		n.tnode = p.printLength(tail, d-1)
	}
}

// listLength is list_length/3: the one-line length of the elements
// joined by separators plus acc, and their dots.
func listLength(n *ifNode, acc int) (int, int) {
	dots := 0
	for i, e := range n.elems {
		if i > 0 {
			acc++
		}
		acc += e.length
		dots += e.dots
	}
	sep := 0
	if len(n.elems) > 0 {
		sep = 1
	}
	switch n.tail {
	case tailDots:
		acc += sep + 3
		dots += 3
	case tailImproper:
		acc += sep + n.tnode.length
		dots += n.tnode.dots
	}
	return acc, dots
}

func (p *pretty) printLengthTuple(t term.Tuple, d int) *ifNode {
	if d == 1 {
		return p.dotsLeaf("{...}")
	}
	n := p.node(ifNode{kind: ifTuple})
	_, n.tagged = t[0].(term.Atom)
	n.tagged = n.tagged && len(t) > 1
	n.elems = make([]*ifNode, 0, len(t))
	for _, e := range t {
		if d == 1 {
			n.tail = tailDots
			break
		}
		n.elems = append(n.elems, p.printLength(e, d-1))
		d--
	}
	n.length, n.dots = listLength(n, 2)
	return n
}

func (p *pretty) printLengthMap(m term.Map, d int) *ifNode {
	if d == 1 {
		return p.dotsLeaf("#{...}")
	}
	n := p.node(ifNode{kind: ifMap})
	d0 := d - 1
	pairs := MapOrder(m)
	n.elems = make([]*ifNode, 0, len(pairs))
	for _, kv := range pairs {
		if d == 1 {
			n.tail = tailDots
			break
		}
		k := p.printLength(kv.Key, d0)
		v := p.printLength(kv.Value, d0)
		n.elems = append(n.elems, p.node(ifNode{kind: ifPair, key: k, val: v, length: k.length + 4 + v.length, dots: k.dots + v.dots}))
		d--
	}
	n.length, n.dots = listLength(n, 3)
	return n
}

func (p *pretty) printLengthRecord(t term.Tuple, names []term.Atom, d int) *ifNode {
	if d == 1 {
		return p.dotsLeaf("{...}")
	}
	name := "#" + WriteAtom(t[0].(term.Atom), p.enc)
	n := p.node(ifNode{kind: ifRecord, text: name, nlen: charsLength(name)})
	d--
	n.elems = make([]*ifNode, 0, len(names))
	for i, fname := range names {
		if d == 1 {
			n.tail = tailDots
			break
		}
		fs := WriteAtom(fname, p.enc)
		fl := charsLength(fs) + 3
		v := p.printLength(t[i+1], d-1)
		n.elems = append(n.elems, p.node(ifNode{kind: ifField, text: fs, nlen: fl, val: v, length: fl + v.length, dots: v.dots}))
		d--
	}
	n.length, n.dots = listLength(n, n.nlen+2)
	return n
}

// printLengthBin handles non-empty bitstrings: bytes data plus bits
// trailing bits holding tail.
func (p *pretty) printLengthBin(data []byte, tail byte, bits int, d int) *ifNode {
	if d == 1 {
		return p.dotsLeaf("<<...>>")
	}
	d1 := d - 1
	if d < 0 {
		d1 = -2
	}
	if !p.o.NoStrings && bits == 0 {
		if r := p.printableBin(data, d1); r.ok {
			b := append(p.buf[:0], '<', '<')
			b = appendQuotedRunes(b, r.chars, '"', modeUnicode)
			plen := utf8.RuneCount(b) - 2
			switch {
			case r.latin1 && !r.prefix:
				b = append(b, '>', '>')
				p.buf = b
				return p.leaf(string(b), 4+plen)
			case !r.latin1 && !r.prefix:
				b = append(b, "/utf8>>"...)
				p.buf = b
				return p.leaf(string(b), 9+charsLength(string(b[2:len(b)-7])))
			case r.latin1:
				b = append(b, "...>>"...)
				p.buf = b
				return p.node(ifNode{kind: ifLeaf, text: string(b), length: 7 + plen, dots: 3})
			default:
				b = append(b, "/utf8...>>"...)
				p.buf = b
				return p.node(ifNode{kind: ifLeaf, text: string(b), length: 12 + charsLength(string(b[2:len(b)-10])), dots: 3})
			}
		}
	}
	b := appendBinary(p.buf[:0], data, tail, bits, d)
	p.buf = b
	n := p.node(ifNode{kind: ifBin, text: string(b), length: len(b)})
	if d > 0 && len(data)+boolInt(bits > 0) >= d {
		n.dots = 3
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
