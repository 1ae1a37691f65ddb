package dist

import (
	"encoding/binary"
	"fmt"

	"github.com/avmsh/avmsh/vm/term"
)

// Packet type bytes.
const (
	passThrough   = 112 // 'p': 112, 131 Ctrl, [131 Msg]
	versionMagic  = 131
	distHeader    = 68 // 'D': 131 68 atom-cache header, then Ctrl [Msg] without 131
	distFragHead  = 69 // 'E': first fragment: seq, frag id, atom-cache header, data
	distFragCont  = 70 // 'F': further fragments: seq, frag id, data
	cacheSegments = 8
	cacheSegSize  = 256
	cacheSize     = cacheSegments * cacheSegSize // 2048 entries
	maxHeaderRefs = 255
)

// outCache is our sending side's atom cache for one connection: which
// atom each of the 2048 slots holds on the peer.
type outCache struct {
	slots atomSlots
	gen   uint64 // counts changes to slots
	// per-packet reference table (a control message has a few atoms:
	// it is searched linearly)
	refs []headerRef
}

// settled reports whether the current packet adds nothing to the cache:
// all its references are to atoms the peer already holds.
func (c *outCache) settled() bool {
	for _, r := range c.refs {
		if r.isNew {
			return false
		}
	}
	return true
}

type headerRef struct {
	slot  int
	isNew bool
	atom  term.Atom
}

// slotOf is the cache slot of an atom: FNV-1a of its text (computed
// inline: hash/fnv would allocate a hasher per atom).
func slotOf(a term.Atom) int {
	h := uint32(2166136261)
	for i := 0; i < len(a); i++ {
		h ^= uint32(a[i])
		h *= 16777619
	}
	return int(h % cacheSize)
}

// reset starts a new packet's reference table.
func (c *outCache) reset() {
	c.refs = c.refs[:0]
}

// ref returns the header index for atom a in the current packet, adding a
// cache reference (new or cached) on first use; ok is false when the atom
// should be encoded inline (table full or atom too long).
func (c *outCache) ref(a term.Atom) (int, bool) {
	for i, r := range c.refs {
		if r.atom == a {
			return i, true
		}
	}
	if len(c.refs) >= maxHeaderRefs || len(a) > 255 {
		return 0, false
	}
	slot := slotOf(a)
	// Two atoms of one packet may not share a slot: the second is inline.
	for _, r := range c.refs {
		if r.slot == slot {
			return 0, false
		}
	}
	held, ok := c.slots.get(slot)
	r := headerRef{slot: slot, atom: a, isNew: !ok || held != a}
	if r.isNew {
		c.gen++
		c.slots.put(slot, a)
	}
	c.refs = append(c.refs, r)
	return len(c.refs) - 1, true
}

// appendHeaderRefs appends NumberOfAtomCacheRefs, Flags and AtomCacheRefs
// (erl_ext_dist, "Distribution Header") for the current packet.
func (c *outCache) appendHeaderRefs(dst []byte) []byte {
	n := len(c.refs)
	dst = append(dst, byte(n))
	if n == 0 {
		return dst
	}
	long := false
	for _, r := range c.refs {
		if r.isNew && len(r.atom) > 255 {
			long = true
		}
	}
	start := len(dst)
	for range n/2 + 1 {
		dst = append(dst, 0)
	}
	flags := dst[start:]
	for i, r := range c.refs {
		f := byte(r.slot / cacheSegSize)
		if r.isNew {
			f |= 8
		}
		if i%2 == 0 {
			flags[i/2] |= f
		} else {
			flags[i/2] |= f << 4
		}
	}
	if long {
		if n%2 == 0 {
			flags[n/2] |= 1
		} else {
			flags[n/2] |= 1 << 4
		}
	}
	for _, r := range c.refs {
		dst = append(dst, byte(r.slot%cacheSegSize))
		if r.isNew {
			if long {
				dst = binary.BigEndian.AppendUint16(dst, uint16(len(r.atom)))
			} else {
				dst = append(dst, byte(len(r.atom)))
			}
			dst = append(dst, r.atom...)
		}
	}
	return dst
}

// inCache is the receiving side's atom cache for one connection.
type inCache struct {
	slots atomSlots
	refs  []term.Atom // the last packet's reference table (reused)
}

// parseHeaderRefs reads NumberOfAtomCacheRefs, Flags and AtomCacheRefs at
// b[0:], updating the cache, and returns the packet's reference table and
// the bytes consumed. The table is valid until the next call.
func (c *inCache) parseHeaderRefs(b []byte, intern func([]byte) term.Atom) ([]term.Atom, int, error) {
	if len(b) < 1 {
		return nil, 0, fmt.Errorf("distribution header: missing NumberOfAtomCacheRefs")
	}
	n := int(b[0])
	off := 1
	if n == 0 {
		return nil, off, nil
	}
	nflags := n/2 + 1
	if len(b)-off < nflags {
		return nil, 0, fmt.Errorf("distribution header: %d flag bytes announced, %d left", nflags, len(b)-off)
	}
	flags := b[off : off+nflags]
	off += nflags
	nib := func(i int) byte {
		if i%2 == 0 {
			return flags[i/2] & 0x0F
		}
		return flags[i/2] >> 4
	}
	long := nib(n)&1 == 1
	refs := append(c.refs[:0], make([]term.Atom, n)...)
	c.refs = refs
	for i := 0; i < n; i++ {
		f := nib(i)
		seg := int(f & 7)
		if off >= len(b) {
			return nil, 0, fmt.Errorf("distribution header: atom cache ref %d truncated at offset %d", i, off)
		}
		slot := seg*cacheSegSize + int(b[off])
		off++
		if f&8 != 0 {
			var l int
			if long {
				if len(b)-off < 2 {
					return nil, 0, fmt.Errorf("distribution header: atom length of ref %d truncated", i)
				}
				l = int(binary.BigEndian.Uint16(b[off:]))
				off += 2
			} else {
				if len(b)-off < 1 {
					return nil, 0, fmt.Errorf("distribution header: atom length of ref %d truncated", i)
				}
				l = int(b[off])
				off++
			}
			if l > len(b)-off {
				return nil, 0, fmt.Errorf("distribution header: atom of %d bytes in ref %d, %d bytes left", l, i, len(b)-off)
			}
			a := intern(b[off : off+l])
			c.slots.put(slot, a)
			refs[i] = a
			off += l
		} else if a, ok := c.slots.get(slot); ok {
			refs[i] = a
		} else {
			return nil, 0, fmt.Errorf("distribution header: ref %d names atom cache slot %d, which was never filled", i, slot)
		}
	}
	return refs, off, nil
}

// atomSlots holds the atoms of a connection's atom cache by slot. OTP's
// cache has 2,048 slots; a connection uses the few dozen that its
// messages' atoms hash to. Two arrays of atoms cost 34 KiB a direction
// (13 MiB for the dashboard's 200 connections); a map costs little but
// its lookups were 12 % of a received message's CPU. So: a 2 KiB index
// of slots (made on first use) into a slice of the atoms in use, and a
// map only for a connection that fills more than 254 slots.
type atomSlots struct {
	pos   *[cacheSize]uint8 // 1 + the slot's atom's index in atoms; 0: empty; overflowed: in more
	atoms []term.Atom
	more  map[uint16]term.Atom
}

const overflowed = 255

func (s *atomSlots) get(slot int) (term.Atom, bool) {
	if s.pos == nil {
		return "", false
	}
	switch i := s.pos[slot]; i {
	case 0:
		return "", false
	case overflowed:
		return s.more[uint16(slot)], true
	default:
		return s.atoms[i-1], true
	}
}

func (s *atomSlots) put(slot int, a term.Atom) {
	if s.pos == nil {
		s.pos = new([cacheSize]uint8)
	}
	switch i := s.pos[slot]; {
	case i == overflowed:
		s.more[uint16(slot)] = a
	case i != 0:
		s.atoms[i-1] = a
	case len(s.atoms) < overflowed-1:
		s.atoms = append(s.atoms, a)
		s.pos[slot] = uint8(len(s.atoms))
	default:
		if s.more == nil {
			s.more = make(map[uint16]term.Atom)
		}
		s.more[uint16(slot)] = a
		s.pos[slot] = overflowed
	}
}
