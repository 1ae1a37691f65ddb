package term

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
)

// sortPairs sorts pairs (at least two, at most 2^32) in map-key order
// and reports false on a duplicate key (the map is then unusable). keys
// is scratch space of len(pairs).
//
// Maps of more than 32 keys arrive from OTP in hash order, and sorting
// them was most of the map decode: a comparison through interfaces per
// step, and each move of a KV four pointer writes under GC write
// barriers. Here each key gets a 64-bit word: a prefix that orders keys
// as CompareExact does, wherever two prefixes differ, above the pair's
// position. The words are sorted as plain integers; only keys with
// equal prefixes (numbers among other kinds, atoms or binaries that
// start alike, compound keys of one kind) are then compared in full.
// Finally every pair moves once, to its place.
func sortPairs(pairs []KV, keys []uint64) (Map, bool) {
	posBits := bits.Len(uint(len(pairs) - 1))
	w := 64 - posBits // prefix bits
	pos := uint64(1)<<posBits - 1
	if !intPrefixes(pairs, keys, w) {
		for i, kv := range pairs {
			keys[i] = keyPrefix(kv.Key, w)
		}
	}
	for i := range keys {
		keys[i] = keys[i]<<posBits | uint64(i)
	}
	slices.Sort(keys)
	// Equal prefixes: order by the keys themselves, and find duplicates
	// (equal keys have equal prefixes, so they are in one run).
	byKey := func(a, b uint64) int { return keyOrder(pairs[a&pos].Key, pairs[b&pos].Key) }
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j]>>posBits == keys[i]>>posBits {
			j++
		}
		if j-i > 1 {
			run := keys[i:j]
			slices.SortFunc(run, byKey)
			for k := 1; k < len(run); k++ {
				if byKey(run[k-1], run[k]) == 0 {
					return Map{}, false
				}
			}
		}
		i = j
	}
	for i := range keys {
		keys[i] &= pos
	}
	permute(pairs, keys)
	return Map{kv: pairs}, true
}

// permute reorders pairs in place so that pairs[j] becomes the old
// pairs[order[j]], following each cycle of the permutation and marking
// the positions done in order.
func permute[P uint8 | uint32 | uint64](pairs []KV, order []P) {
	for i := range order {
		if int(order[i]) == i {
			continue
		}
		saved, j := pairs[i], i
		for {
			k := int(order[j])
			order[j] = P(j)
			if k == i {
				pairs[j] = saved
				break
			}
			pairs[j] = pairs[k]
			j = k
		}
	}
}

// intPrefixes fills keys with the values of the keys of pairs, offset
// to be ordered as unsigned w-bit integers, when every key is an Int
// that fits in w signed bits (ids, indexes), and reports whether it
// did. The prefixes are then the whole keys.
func intPrefixes(pairs []KV, keys []uint64, w int) bool {
	lim := Int(1) << (w - 1)
	for i, kv := range pairs {
		v, ok := kv.Key.(Int)
		if !ok || v < -lim || v >= lim {
			return false
		}
		keys[i] = uint64(v + lim)
	}
	return true
}

// keyPrefix returns the w-bit prefix of k: its kind in the top four
// bits, then what CompareExact compares first, where that is cheap to
// have: for numbers whether they are floats (in map-key order every
// float follows every integer) and then their value as an
// order-preserving image of a float64 (rounding is monotonic, and ties
// are broken in full), for atoms and bitstrings their first bytes (compared
// bytewise, a shorter text padded with zero bytes), for tuples their
// size. Other keys have only their kind.
func keyPrefix(k Term, w int) uint64 {
	var b [8]byte
	var kind Kind
	var v uint64
	switch x := k.(type) {
	case Int:
		kind, v = KindNumber, floatOrder(float64(x))>>1
	case BigInt:
		// Beyond int64: after every Int, or before every Int when
		// negative; big integers tie with each other.
		kind, v = KindNumber, floatOrder(math.Inf(x.V.Sign()))>>1
	case Float:
		// In map-key order (=:=) every float follows every integer.
		kind, v = KindNumber, 1<<63|floatOrder(float64(x))>>1
	case Atom:
		kind = KindAtom
		copy(b[:], x)
		v = binary.BigEndian.Uint64(b[:])
	case Binary:
		kind = KindBitstring
		copy(b[:], x)
		v = binary.BigEndian.Uint64(b[:])
	case Bitstring:
		kind = KindBitstring // unused bits are zero: as padding
		copy(b[:], x.Data)
		v = binary.BigEndian.Uint64(b[:])
	case Tuple:
		kind, v = KindTuple, uint64(min(len(x), 1<<31))<<32
	default:
		return uint64(KindOf(k)) << (w - 4)
	}
	return uint64(kind)<<(w-4) | v>>(64-(w-4))
}

// floatOrder maps f to a uint64 in the same order (0.0 and -0.0, equal
// for CompareExact in OTP 25, to the same value).
func floatOrder(f float64) uint64 {
	if f == 0 {
		f = 0 // -0.0 becomes 0.0
	}
	u := math.Float64bits(f)
	if u>>63 != 0 {
		return ^u
	}
	return u | 1<<63
}
