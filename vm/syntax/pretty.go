package syntax

import (
	"strings"

	"github.com/avmsh/avmsh/vm/term"
)

// Pretty returns t as io_lib:format("~p", [T]) prints it: io_lib_pretty
// with the options' column, line length, depth, line_max_chars, encoding
// (~tp), strings (~lp) and printable range. With the zero Options it is
// exactly "~p" (column 1, line length 80).
func Pretty(t term.Term, o Options) string { return string(AppendPretty(nil, t, o)) }

// AppendPretty appends Pretty(t, o) to dst.
func AppendPretty(dst []byte, t term.Term, o Options) []byte {
	p := &pretty{o: &o, enc: o.Encoding}
	p.w = writer{o: &o}
	d := o.depth()
	switch v := t.(type) {
	case term.Atom:
		return AppendAtom(dst, v, o.Encoding)
	case term.Tuple, term.List, term.Chars, term.ImproperList, term.Map, term.Binary, term.Bitstring, nil:
		_ = v
	default:
		return p.w.write(dst, t, -1)
	}
	root := p.printLength(t, d)
	col, ll := o.column(), o.lineLength()
	m := o.maxChars()
	if m < 0 {
		m = root.length
	}
	l := &layout{dst: dst, ll: ll, m: m}
	if ll == 0 || (root.length < ll-col && root.length <= m) {
		l.write(root)
		return l.dst
	}
	l.tind = 1
	for _, ind := range [...]int{-1, 4} {
		if l.cind(root, col, ind, 0, 0) {
			l.tind = ind
			break
		}
	}
	l.pp(root, col, col-1, 0, 0)
	return l.dst
}

// layout holds the constant parameters of one pp run: line length Ll,
// the per-line character limit M and the tagged-tuple indentation TInd.
type layout struct {
	dst  []byte
	ll   int
	m    int
	tind int
}

func (l *layout) nl(ind int) {
	l.dst = append(l.dst, '\n')
	l.spaces(ind)
}

func (l *layout) spaces(n int) {
	for ; n > 0; n-- {
		l.dst = append(l.dst, ' ')
	}
}

// fits is the common guard "Len < Ll - Col - LD, Len + W + LD =< M".
func (l *layout) fits(n *ifNode, col, ld, w int) bool {
	return n.length < l.ll-col-ld && n.length+w+ld <= l.m
}

// fitsTail is the guard for an element that follows a separator.
func (l *layout) fitsTail(elen, col, ld1, w int) bool {
	if ld1 == 0 {
		return elen+1 < l.ll-col && w+elen+1 <= l.m
	}
	return elen < l.ll-col-ld1 && w+elen+ld1 <= l.m
}

// lastDepth is last_depth/2 for the element at index i of n.
func lastDepth(n *ifNode, i, ld int) int {
	if i+1 < len(n.elems) {
		return 0
	}
	return ld + 1
}

func pairAtomic(p *ifNode) bool { return p.key.atomic() && p.val.atomic() }

// pp lays out n starting at column col with indentation ind.
func (l *layout) pp(n *ifNode, col, ind, ld, w int) {
	if l.fits(n, col, ld, w) {
		l.write(n)
		return
	}
	switch n.kind {
	case ifList:
		l.dst = append(l.dst, '[')
		l.ppList(n, 0, col+1, ind+1, ld, '|', w+1)
		l.dst = append(l.dst, ']')
	case ifTuple:
		l.dst = append(l.dst, '{')
		if n.tagged {
			l.ppTagTuple(n, col, ind, ld, w+1)
		} else {
			l.ppList(n, 0, col+1, ind+1, ld, ',', w+1)
		}
		l.dst = append(l.dst, '}')
	case ifMap:
		l.dst = append(l.dst, '#', '{')
		l.ppMap(n, col+2, ind+2, ld, w+1)
		l.dst = append(l.dst, '}')
	case ifRecord:
		l.dst = append(l.dst, n.text...)
		l.dst = append(l.dst, '{')
		l.ppRecord(n, col, ind, ld, w+n.nlen+1)
		l.dst = append(l.dst, '}')
	case ifBin:
		l.ppBinary(n, col+2, ind+2, ld, w)
	default:
		l.dst = append(l.dst, n.text...)
	}
}

func (l *layout) ppTagTuple(n *ifNode, col, ind, ld, w int) {
	if len(n.elems) == 0 {
		l.dst = append(l.dst, "..."...)
		return
	}
	tag := n.elems[0]
	tagInd := tag.length + 2
	tcol := col + tagInd
	l.dst = append(l.dst, tag.text...)
	if l.tind > 0 && tagInd > l.tind {
		l.ppTail(n, 1, col+l.tind, tcol, ind+l.tind, ld, ',', w+tag.length)
		return
	}
	l.dst = append(l.dst, ',')
	l.ppList(n, 1, tcol, ind+tagInd, ld, ',', w+tag.length+1)
}

// ppList lays out the elements of n from index i on (pp_list/9).
func (l *layout) ppList(n *ifNode, i, col0, ind, ld int, sep byte, w int) {
	if i >= len(n.elems) {
		// Only a dots tail can be left here.
		l.dst = append(l.dst, "..."...)
		return
	}
	we := l.ppElement(n.elems[i], col0, ind, lastDepth(n, i, ld), w)
	l.ppTail(n, i+1, col0, col0+we, ind, ld, sep, w+we)
}

func (l *layout) ppTail(n *ifNode, i, col0, col, ind, ld int, sep byte, w int) {
	for ; i < len(n.elems); i++ {
		e := n.elems[i]
		ld1 := lastDepth(n, i, ld)
		elen := 1 + e.length
		if e.atomic() && l.fitsTail(elen, col, ld1, w) {
			l.dst = append(l.dst, ',')
			l.write(e)
			col += elen
			w += elen
			continue
		}
		l.dst = append(l.dst, ',')
		l.nl(ind)
		we := l.ppElement(e, col0, ind, ld1, 0)
		col = col0 + we
		w = we
	}
	switch n.tail {
	case tailDots:
		l.dst = append(l.dst, sep)
		l.dst = append(l.dst, "..."...)
	case tailImproper:
		e := n.tnode
		if e.length+1 < l.ll-col-(ld+1) && e.length+1+w+(ld+1) <= l.m && e.atomic() {
			l.dst = append(l.dst, sep)
			l.write(e)
			return
		}
		l.dst = append(l.dst, sep)
		l.nl(ind)
		l.pp(e, col0, ind, ld+1, 0)
	}
}

// ppElement returns the width the element took (Ll to force a newline).
func (l *layout) ppElement(e *ifNode, col, ind, ld, w int) int {
	if e.atomic() && l.fits(e, col, ld, w) {
		l.write(e)
		return e.length
	}
	l.pp(e, col, ind, ld, w)
	return l.ll
}

func (l *layout) ppMap(n *ifNode, col, ind, ld, w int) {
	if len(n.elems) == 0 {
		if n.tail == tailDots {
			l.dst = append(l.dst, "..."...)
		}
		return
	}
	pw := l.ppPair(n.elems[0], col, ind, lastDepth(n, 0, ld), w)
	col0 := col
	col = col0 + pw
	w = pw
	for i := 1; i < len(n.elems); i++ {
		p := n.elems[i]
		ld1 := lastDepth(n, i, ld)
		elen := 1 + p.length
		if pairAtomic(p) && l.fitsTail(elen, col, ld1, w) {
			l.dst = append(l.dst, ',')
			l.write(p)
			col += elen
			w += elen
			continue
		}
		l.dst = append(l.dst, ',')
		l.nl(ind)
		pw := l.ppPair(p, col0, ind, ld1, 0)
		col = col0 + pw
		w = pw
	}
	if n.tail == tailDots {
		l.dst = append(l.dst, ",..."...)
	}
}

func mapValueIndent(tind int) int {
	if tind > 0 {
		return tind
	}
	return 4
}

func (l *layout) ppPair(p *ifNode, col, ind, ld, w int) int {
	if l.fits(p, col, ld, w) {
		l.write(p)
		if pairAtomic(p) {
			return p.length
		}
		return l.ll
	}
	i := mapValueIndent(l.tind)
	l.pp(p.key, col, ind, ld, w)
	l.dst = append(l.dst, " =>"...)
	l.nl(ind + i)
	l.pp(p.val, col+i, ind+i, ld, 0)
	return l.ll
}

// recIndent is rec_indent/5: it returns the new column, indentation and
// width, and whether a newline must be written first.
func (l *layout) recIndent(rind, col0, ind0, w0 int) (col, ind, w int, newline bool) {
	newline = l.tind > 0 && rind > l.tind
	dcol := rind
	if newline {
		dcol = l.tind
	}
	col, ind, w = col0+dcol, ind0+dcol, w0
	if newline {
		w = 0
	}
	return
}

func (l *layout) ppRecord(n *ifNode, col0, ind0, ld, w0 int) {
	if len(n.elems) == 0 {
		if n.tail == tailDots {
			l.dst = append(l.dst, "..."...)
		}
		return
	}
	col, ind, w, newline := l.recIndent(n.nlen+1, col0, ind0, w0)
	if newline {
		l.nl(ind)
	}
	fw := l.ppField(n.elems[0], col, ind, lastDepth(n, 0, ld), w)
	c0 := col
	col = c0 + fw
	w += fw
	for i := 1; i < len(n.elems); i++ {
		f := n.elems[i]
		ld1 := lastDepth(n, i, ld)
		elen := 1 + f.length
		if f.val.atomic() && l.fitsTail(elen, col, ld1, w) {
			l.dst = append(l.dst, ',')
			l.writeField(f)
			col += elen
			w += elen
			continue
		}
		l.dst = append(l.dst, ',')
		l.nl(ind)
		fw := l.ppField(f, c0, ind, ld1, 0)
		col = c0 + fw
		w = fw
	}
	if n.tail == tailDots {
		l.dst = append(l.dst, ",..."...)
	}
}

func (l *layout) ppField(f *ifNode, col0, ind0, ld, w0 int) int {
	if l.fits(f, col0, ld, w0) {
		l.writeField(f)
		if f.val.atomic() {
			return f.length
		}
		return l.ll
	}
	col, ind, w, newline := l.recIndent(f.nlen, col0, ind0, w0+f.nlen)
	l.dst = append(l.dst, f.text...)
	if newline {
		l.dst = append(l.dst, " ="...)
		l.nl(ind)
	} else {
		l.dst = append(l.dst, " = "...)
	}
	l.pp(f.val, col, ind, ld, w)
	return l.ll
}

// ppBinary breaks a binary written as integers over lines (pp_binary/7).
func (l *layout) ppBinary(n *ifNode, col, ind, ld, w int) {
	body := n.text[2 : len(n.text)-2]
	width := max(8, min(l.ll-col, l.m-4-w)-ld)
	left := width
	l.dst = append(l.dst, '<', '<')
	for {
		comma := strings.IndexByte(body, ',')
		if comma < 0 {
			break
		}
		piece := body[:comma+1]
		body = body[comma+1:]
		if left-len(piece) < 0 {
			l.nl(ind)
			l.dst = append(l.dst, piece...)
			left = width - len(piece)
			continue
		}
		l.dst = append(l.dst, piece...)
		left -= len(piece)
	}
	if len(body) > left {
		l.nl(ind)
	}
	l.dst = append(l.dst, body...)
	l.dst = append(l.dst, '>', '>')
}

// write puts n on one line (io_lib_pretty:write/1).
func (l *layout) write(n *ifNode) {
	switch n.kind {
	case ifTuple:
		l.dst = append(l.dst, '{')
		l.writeList(n, ',')
		l.dst = append(l.dst, '}')
	case ifList:
		l.dst = append(l.dst, '[')
		l.writeList(n, '|')
		l.dst = append(l.dst, ']')
	case ifMap:
		l.dst = append(l.dst, '#', '{')
		l.writeList(n, ',')
		l.dst = append(l.dst, '}')
	case ifPair:
		l.write(n.key)
		l.dst = append(l.dst, " => "...)
		l.write(n.val)
	case ifRecord:
		l.dst = append(l.dst, n.text...)
		l.dst = append(l.dst, '{')
		for i, f := range n.elems {
			if i > 0 {
				l.dst = append(l.dst, ',')
			}
			l.writeField(f)
		}
		if n.tail == tailDots {
			if len(n.elems) > 0 {
				l.dst = append(l.dst, ',')
			}
			l.dst = append(l.dst, "..."...)
		}
		l.dst = append(l.dst, '}')
	default:
		l.dst = append(l.dst, n.text...)
	}
}

func (l *layout) writeField(f *ifNode) {
	l.dst = append(l.dst, f.text...)
	l.dst = append(l.dst, " = "...)
	l.write(f.val)
}

func (l *layout) writeList(n *ifNode, sep byte) {
	for i, e := range n.elems {
		if i > 0 {
			l.dst = append(l.dst, ',')
		}
		l.write(e)
	}
	switch n.tail {
	case tailDots:
		if len(n.elems) > 0 {
			l.dst = append(l.dst, sep)
		}
		l.dst = append(l.dst, "..."...)
	case tailImproper:
		l.dst = append(l.dst, sep)
		l.write(n.tnode)
	}
}
