package dist

import (
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// profile is the ETF tag set a peer can decode.
func profile(c Caps) etf.Profile {
	if c.AtomVM {
		return etf.ProfileAtomVM
	}
	return etf.ProfileBEAM
}

// encodeTerm appends t without a version byte, in the peer's profile,
// with atoms optionally replaced by atom-cache references.
func encodeTerm(dst []byte, t term.Term, c Caps, ref func(term.Atom) (int, bool)) ([]byte, error) {
	opts := etf.EncodeOptions{Profile: profile(c), MaxDepth: c.MaxDepth}
	if ref != nil && !c.AtomVM {
		opts.AtomCacheRef = ref
	}
	return etf.AppendBody(dst, t, &opts)
}

// decodeTerm decodes one term without a version byte at b[0].
func (d *Decoder) decodeTerm(b []byte, refs []term.Atom) (term.Term, int, error) {
	d.opts.AtomCache = refs
	d.opts.MaxDepth = d.MaxDepth
	return etf.DecodeBody(b, 0, &d.opts)
}

// intern returns the atom for header bytes, reusing known atoms.
func (d *Decoder) intern(b []byte) term.Atom {
	if a, ok := d.names[string(b)]; ok {
		return a
	}
	if len(d.names) >= 4096 {
		clear(d.names)
	}
	a := term.Atom(b)
	d.names[string(a)] = a
	return a
}
