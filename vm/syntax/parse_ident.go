package syntax

import (
	"strconv"
	"unicode/utf8"

	"github.com/avmsh/avmsh/vm/term"
)

// scanUint reads a decimal number of at most bits bits.
func (p *parser) scanUint(bits int, what string) (uint64, error) {
	start := p.pos
	for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
		p.pos++
	}
	if start == p.pos {
		return 0, p.errf(p.pos, "unexpected %s; expected %s", p.describe(), what)
	}
	v, err := strconv.ParseUint(p.src[start:p.pos], 10, bits)
	if err != nil {
		return 0, p.errf(start, "%s %s does not fit in %d bits", what, p.src[start:p.pos], bits)
	}
	return v, nil
}

func (p *parser) expectByte(c byte, what string) error {
	if p.peek() != c {
		return p.errf(p.pos, "unexpected %s; expected %s", p.describe(), what)
	}
	p.pos++
	return nil
}

// parseNodePart reads the node part of a pid, port or ref: 0 (the local
// node), an OTP node index, or a node name atom with an optional
// :Creation.
func (p *parser) parseNodePart(kind string) (term.Atom, uint32, error) {
	start := p.pos
	c := p.peek()
	switch {
	case isDigit(c):
		idx, err := p.scanUint(31, "a node index")
		if err != nil {
			return "", 0, err
		}
		if idx == 0 {
			if p.o.Node.Local == "" {
				return "", 0, p.errf(start, "%s of node 0 (the local node) but no local node is known; write the node name instead, as in <'node@host'.X.Y>", kind)
			}
			return p.o.Node.Local, p.o.Node.LocalCreation, nil
		}
		if p.o.NodeByIndex != nil {
			if node, cr, ok := p.o.NodeByIndex(int(idx)); ok {
				return node, cr, nil
			}
		}
		return "", 0, p.errf(start, "unknown node index %d in a %s; write the node name instead, as in <'node@host'.X.Y>", idx, kind)
	case c == '\'':
		a, err := p.parseQuotedAtom()
		if err != nil {
			return "", 0, err
		}
		return p.parseCreation(a)
	default:
		r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
		if isLowerStart(r) {
			return p.parseCreation(term.Atom(p.scanName()))
		}
	}
	return "", 0, p.errf(p.pos, "unexpected %s in a %s; expected 0 or a node name such as 'node@host'", p.describe(), kind)
}

func (p *parser) parseCreation(node term.Atom) (term.Atom, uint32, error) {
	if p.peek() != ':' {
		return node, 0, nil
	}
	p.pos++
	cr, err := p.scanUint(32, "a creation")
	return node, uint32(cr), err
}

// parsePid reads <Node.ID.Serial>.
func (p *parser) parsePid() (term.Term, error) {
	p.pos++ // '<'
	node, cr, err := p.parseNodePart("pid")
	if err != nil {
		return nil, err
	}
	if err := p.expectByte('.', "'.' in a pid"); err != nil {
		return nil, err
	}
	id, err := p.scanUint(32, "a process number")
	if err != nil {
		return nil, err
	}
	if err := p.expectByte('.', "'.' in a pid"); err != nil {
		return nil, err
	}
	serial, err := p.scanUint(32, "a serial number")
	if err != nil {
		return nil, err
	}
	if err := p.expectByte('>', "'>' to end the pid"); err != nil {
		return nil, err
	}
	return term.NewPid(node, uint32(id), uint32(serial), cr), nil
}

// parsePort reads #Port<Node.ID>.
func (p *parser) parsePort() (term.Term, error) {
	p.pos += len("#Port<")
	node, cr, err := p.parseNodePart("port")
	if err != nil {
		return nil, err
	}
	if err := p.expectByte('.', "'.' in a port"); err != nil {
		return nil, err
	}
	id, err := p.scanUint(64, "a port number")
	if err != nil {
		return nil, err
	}
	if err := p.expectByte('>', "'>' to end the port"); err != nil {
		return nil, err
	}
	return term.Port{Node: node, ID: id, Creation: cr}, nil
}

// parseRef reads #Ref<Node.Wn....W1> (most significant word first, as
// ref_to_list prints them).
func (p *parser) parseRef() (term.Term, error) {
	p.pos += len("#Ref<")
	node, cr, err := p.parseNodePart("reference")
	if err != nil {
		return nil, err
	}
	var words []uint32
	for p.peek() == '.' {
		p.pos++
		if len(words) == term.MaxRefWords {
			return nil, p.errf(p.pos, "a reference has at most %d numbers", term.MaxRefWords)
		}
		w, err := p.scanUint(32, "a reference number")
		if err != nil {
			return nil, err
		}
		words = append(words, uint32(w))
	}
	if len(words) == 0 {
		return nil, p.errf(p.pos, "unexpected %s; expected '.' and the numbers of the reference", p.describe())
	}
	if err := p.expectByte('>', "'.' or '>' in a reference"); err != nil {
		return nil, err
	}
	for i, j := 0, len(words)-1; i < j; i, j = i+1, j-1 {
		words[i], words[j] = words[j], words[i]
	}
	return term.NewRef(node, cr, words...), nil
}

// parseExportFun reads the rest of fun M:F/A.
func (p *parser) parseExportFun(start int) (term.Term, error) {
	p.skipSpace()
	mod, err := p.parseAtomOnly("a module name after 'fun'")
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() != ':' {
		return nil, p.errf(p.pos, "unexpected %s; only external funs (fun Module:Function/Arity) can be written as literals", p.describe())
	}
	p.pos++
	p.skipSpace()
	fn, err := p.parseAtomOnly("a function name")
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if err := p.expectByte('/', "'/' and the arity"); err != nil {
		return nil, err
	}
	p.skipSpace()
	arity, err := p.scanUint(8, "an arity (0..255)")
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(string(mod)) > 255 || utf8.RuneCountInString(string(fn)) > 255 {
		return nil, p.errf(start, "atom too long in fun %s:%s/%d", mod, fn, arity)
	}
	return term.ExportFun{Module: mod, Function: fn, Arity: uint8(arity)}, nil
}

func (p *parser) parseAtomOnly(what string) (term.Atom, error) {
	if p.peek() == '\'' {
		return p.parseQuotedAtom()
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	if p.pos < len(p.src) && isLowerStart(r) {
		// Reserved words are accepted here: erlang:fun_to_list/1 writes
		// fun case:end/1 unquoted.
		return term.Atom(p.scanName()), nil
	}
	return "", p.errf(p.pos, "unexpected %s; expected %s", p.describe(), what)
}
