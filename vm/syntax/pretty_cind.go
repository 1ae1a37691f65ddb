package syntax

// cind checks whether the layout works with tagged-tuple indentation
// ind (io_lib_pretty:cind/7, where failure is throw(no_good)).
func (l *layout) cind(n *ifNode, col, ind, ld, w int) bool {
	if l.fits(n, col, ld, w) {
		return true
	}
	switch n.kind {
	case ifList:
		return l.cindList(n, 0, col+1, ind, ld, w+1)
	case ifTuple:
		if n.tagged {
			return l.cindTagTuple(n, col, ind, ld, w+1)
		}
		return l.cindList(n, 0, col+1, ind, ld, w+1)
	case ifMap:
		return l.cindMap(n, col+2, ind, ld, w+2)
	case ifRecord:
		return l.cindRecord(n, col, ind, ld, w+n.nlen+1)
	}
	return true
}

func (l *layout) cindTagTuple(n *ifNode, col, ind, ld, w int) bool {
	if len(n.elems) == 0 {
		return true
	}
	tlen := n.elems[0].length
	tagInd := tlen + 2
	tcol := col + tagInd
	if ind > 0 && tagInd > ind {
		col1 := col + ind
		if l.m+col1 <= l.ll || col1 <= l.ll/2 {
			return l.cindTail(n, 1, col1, tcol, ind, ld, w+tlen)
		}
		return false
	}
	if l.m+tcol < l.ll || tcol < l.ll/2 {
		return l.cindList(n, 1, tcol, ind, ld, w+tlen+1)
	}
	return false
}

func (l *layout) cindList(n *ifNode, i, col0, ind, ld, w int) bool {
	if i >= len(n.elems) {
		return true
	}
	we, ok := l.cindElement(n.elems[i], col0, ind, lastDepth(n, i, ld), w)
	if !ok {
		return false
	}
	return l.cindTail(n, i+1, col0, col0+we, ind, ld, w+we)
}

func (l *layout) cindTail(n *ifNode, i, col0, col, ind, ld, w int) bool {
	for ; i < len(n.elems); i++ {
		e := n.elems[i]
		ld1 := lastDepth(n, i, ld)
		elen := 1 + e.length
		if e.atomic() && l.fitsTail(elen, col, ld1, w) {
			col += elen
			w += elen
			continue
		}
		we, ok := l.cindElement(e, col0, ind, ld1, 0)
		if !ok {
			return false
		}
		col = col0 + we
		w = we
	}
	if n.tail == tailImproper {
		e := n.tnode
		if e.length+1 < l.ll-col-(ld+1) && e.length+1+w+(ld+1) <= l.m && e.atomic() {
			return true
		}
		return l.cind(e, col, ind, ld+1, 0)
	}
	return true
}

func (l *layout) cindElement(e *ifNode, col, ind, ld, w int) (int, bool) {
	if e.atomic() && l.fits(e, col, ld, w) {
		return e.length, true
	}
	if !l.cind(e, col, ind, ld, w) {
		return 0, false
	}
	return l.ll, true
}

func (l *layout) cindMap(n *ifNode, col, ind, ld, w int) bool {
	if len(n.elems) == 0 {
		return true
	}
	pw, ok := l.cindPair(n.elems[0], col, ind, lastDepth(n, 0, ld), w)
	if !ok {
		return false
	}
	col0 := col
	col = col0 + pw
	w += pw
	for i := 1; i < len(n.elems); i++ {
		p := n.elems[i]
		ld1 := lastDepth(n, i, ld)
		elen := 1 + p.length
		if pairAtomic(p) && l.fitsTail(elen, col, ld1, w) {
			col += elen
			w += elen
			continue
		}
		pw, ok := l.cindPair(p, col0, ind, ld1, 0)
		if !ok {
			return false
		}
		col = col0 + pw
		w = pw
	}
	return true
}

func (l *layout) cindPair(p *ifNode, col, ind, ld, w int) (int, bool) {
	if l.fits(p, col, ld, w) {
		if pairAtomic(p) {
			return p.length, true
		}
		return l.ll, true
	}
	if !l.cind(p.key, col, ind, ld, w) {
		return 0, false
	}
	if !l.cind(p.val, col+mapValueIndent(ind), ind, ld, 0) {
		return 0, false
	}
	return l.ll, true
}

// cindRec is cind_rec/6.
func (l *layout) cindRec(rind, col0, ind, w0 int) (int, int, bool) {
	newline := ind > 0 && rind > ind
	dcol := rind
	if newline {
		dcol = ind
	}
	col := col0 + dcol
	if l.m+col <= l.ll || col <= l.ll/2 {
		if newline {
			return col, 0, true
		}
		return col, w0, true
	}
	return 0, 0, false
}

func (l *layout) cindRecord(n *ifNode, col0, ind, ld, w0 int) bool {
	if len(n.elems) == 0 {
		return true
	}
	col, w, ok := l.cindRec(n.nlen+1, col0, ind, w0)
	if !ok {
		return false
	}
	fw, ok := l.cindField(n.elems[0], col, ind, lastDepth(n, 0, ld), w)
	if !ok {
		return false
	}
	c0 := col
	col = c0 + fw
	w += fw
	for i := 1; i < len(n.elems); i++ {
		f := n.elems[i]
		ld1 := lastDepth(n, i, ld)
		elen := 1 + f.length
		if f.val.atomic() && l.fitsTail(elen, col, ld1, w) {
			col += elen
			w += elen
			continue
		}
		fw, ok := l.cindField(f, c0, ind, ld1, 0)
		if !ok {
			return false
		}
		// OTP continues from Col (not Col0) here; kept for fidelity.
		col += fw
		w = fw
	}
	return true
}

func (l *layout) cindField(f *ifNode, col0, ind, ld, w0 int) (int, bool) {
	if l.fits(f, col0, ld, w0) {
		if f.val.atomic() {
			return f.length, true
		}
		return l.ll, true
	}
	col, w, ok := l.cindRec(f.nlen, col0, ind, w0+f.nlen)
	if !ok {
		return 0, false
	}
	if !l.cind(f.val, col, ind, ld, w) {
		return 0, false
	}
	return l.ll, true
}
