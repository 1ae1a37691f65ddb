package dist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/etf"
	"github.com/avmsh/avmsh/vm/term"
)

// DefaultFragmentSize is the largest packet we send before fragmenting
// a message, when the peer takes fragments (OTP uses about 64 KiB).
const DefaultFragmentSize = 64 << 10

// PacketWriter takes one data packet made of parts (a carrier.Conn).
type PacketWriter interface {
	WritePacketParts(parts ...[]byte) error
}

// Encoder writes control messages to one connection. It is owned by the
// connection's writer goroutine: the atom cache it keeps must see packets
// in the order they are sent.
type Encoder struct {
	caps         Caps
	header       bool
	fragments    bool
	fragmentSize int
	cache        outCache
	seq          uint64
	ctrl         []byte
	hdr          []byte
	ref          func(term.Atom) (int, bool) // cache.ref, bound once
	parts        [3][]byte                   // the parts of one packet
	last         lastSend                    // WriteSend's memory
}

// write hands one packet made of parts to w; the parts' array is the
// encoder's, so a packet costs no allocation.
func (e *Encoder) write(w PacketWriter, parts ...[]byte) error {
	n := copy(e.parts[:], parts)
	err := w.WritePacketParts(e.parts[:n]...)
	e.parts = [3][]byte{}
	return err
}

// NewEncoder returns the encoder for a connection whose negotiated flags
// (ours & the peer's) are common and whose peer has caps. AtomVM peers
// always get plain pass-through packets (spec §2.1).
func NewEncoder(caps Caps, common handshake.Flags) *Encoder {
	e := &Encoder{caps: caps, fragmentSize: DefaultFragmentSize}
	e.ref = e.cache.ref
	if !caps.AtomVM {
		e.header = common.Has(handshake.DistHdrAtomCache)
		e.fragments = e.header && common.Has(handshake.Fragments)
	}
	return e
}

// SetFragmentSize changes the fragmenting threshold (tests).
func (e *Encoder) SetFragmentSize(n int) { e.fragmentSize = max(n, 64) }

// EncodePayload encodes a message, reason or argument list for this
// peer, without the version byte. Senders call it on their own goroutine
// before queueing, so the encoding cost is spread and an unencodable term
// (e.g. a bitstring for AtomVM) is reported to the sender.
func EncodePayload(dst []byte, t term.Term, c Caps) ([]byte, error) {
	return encodeTerm(dst, t, c, nil)
}

// Write sends ctrl with its pre-encoded payload (from EncodePayload).
func (e *Encoder) Write(w PacketWriter, ctrl term.Tuple, payload []byte, hasPayload bool) error {
	var err error
	if !e.header {
		e.ctrl, err = encodeTerm(append(e.ctrl[:0], passThrough, versionMagic), ctrl, e.caps, nil)
		if err != nil {
			return fmt.Errorf("encode control message: %w", err)
		}
		if !hasPayload {
			return e.write(w, e.ctrl)
		}
		e.ctrl = append(e.ctrl, versionMagic)
		return e.write(w, e.ctrl, payload)
	}
	e.cache.reset()
	e.ctrl, err = encodeTerm(e.ctrl[:0], ctrl, e.caps, e.ref)
	if err != nil {
		return fmt.Errorf("encode control message: %w", err)
	}
	if !hasPayload {
		payload = nil
	}
	total := len(e.ctrl) + len(payload)
	if !e.fragments || total+64 <= e.fragmentSize {
		e.hdr = e.cache.appendHeaderRefs(append(e.hdr[:0], versionMagic, distHeader))
		return e.write(w, e.hdr, e.ctrl, payload)
	}
	return e.writeFragments(w, payload)
}

// writeFragments splits ctrl+payload into fragments (erl_ext_dist,
// "Distribution Header for Fragmented Messages"): the first carries the
// atom-cache header and FragmentId = count, the rest count down to 1.
func (e *Encoder) writeFragments(w PacketWriter, payload []byte) error {
	e.seq++
	size := e.fragmentSize
	total := len(e.ctrl) + len(payload)
	count := (total + size - 1) / size
	// parts returns the bytes [from, to) of ctrl ++ payload as slices.
	parts := func(from, to int) [][]byte {
		var out [][]byte
		if from < len(e.ctrl) {
			out = append(out, e.ctrl[from:min(to, len(e.ctrl))])
		}
		if to > len(e.ctrl) {
			out = append(out, payload[max(from-len(e.ctrl), 0):to-len(e.ctrl)])
		}
		return out
	}
	for i := 0; i < count; i++ {
		id := uint64(count - i)
		e.hdr = e.hdr[:0]
		if i == 0 {
			e.hdr = append(e.hdr, versionMagic, distFragHead)
		} else {
			e.hdr = append(e.hdr, versionMagic, distFragCont)
		}
		e.hdr = binary.BigEndian.AppendUint64(e.hdr, e.seq)
		e.hdr = binary.BigEndian.AppendUint64(e.hdr, id)
		if i == 0 {
			e.hdr = e.cache.appendHeaderRefs(e.hdr)
		}
		chunk := parts(i*size, min((i+1)*size, total))
		if err := w.WritePacketParts(append([][]byte{e.hdr}, chunk...)...); err != nil {
			return err
		}
	}
	return nil
}

// Decoder parses incoming packets of one connection. It is owned by the
// connection's reader goroutine.
type Decoder struct {
	cache inCache
	frags map[uint64]*fragment
	// MaxMessage bounds a reassembled fragmented message.
	MaxMessage int
	// MaxPending bounds how many fragmented messages may be in progress.
	MaxPending int
	// MaxDepth bounds how deeply a received term may nest (0:
	// etf.DefaultMaxDepth); deeper terms fail with an *etf.DepthError.
	MaxDepth int
	// Keep, when set, is asked whether the buffer of a large packet may
	// be kept rather than copied (the carrier's Detach): the packet then
	// becomes the start of a fragmented message, or the binaries of the
	// message it holds point into it.
	Keep      func() bool
	fragBytes int
	fast      bool // DecodeMessage: recognise messages to pids
	opts      etf.DecodeOptions
	names     map[string]term.Atom
}

// keepSize is the size from which a packet is worth keeping (Keep)
// instead of copying its bytes.
const keepSize = 16 << 10

// keep reports whether the decoder may keep pkt's buffer.
func (d *Decoder) keep(pkt []byte) bool {
	return len(pkt) >= keepSize && d.Keep != nil && d.Keep()
}

type fragment struct {
	refs []term.Atom
	next uint64
	data []byte
}

// NewDecoder returns a decoder with default bounds (256 MiB messages, 64
// interleaved fragmented messages).
func NewDecoder() *Decoder {
	return &Decoder{
		frags: make(map[uint64]*fragment), MaxMessage: 256 << 20, MaxPending: 64,
		opts:  etf.DecodeOptions{Atoms: etf.NewAtomTable(0), MaxSize: 256 << 20},
		names: make(map[string]term.Atom),
	}
}

// ErrIncomplete is returned by Decode for a fragment of a message that is
// not complete yet; it is not a failure.
var ErrIncomplete = errors.New("fragment of an incomplete message")

// Decode parses one non-empty data packet into its control term and its
// payload (nil when the operation has none). The packet's bytes are not
// retained unless Keep allowed it.
func (d *Decoder) Decode(pkt []byte) (ctrl, payload term.Term, err error) {
	m, err := d.decode(pkt, false)
	return m.Ctrl, m.Payload, err
}

// Message is a decoded packet: a message to a pid (Send: To and
// Payload, no control term built), or any control message (Ctrl and
// Payload, for ParseControl).
type Message struct {
	Ctrl, Payload term.Term
	Send          bool
	To            term.Pid
}

// DecodeMessage is Decode for the connection's reader: a message to a
// pid — nearly every packet of a busy connection — comes back as Send
// with its destination, without a control tuple (fastctrl.go).
func (d *Decoder) DecodeMessage(pkt []byte) (Message, error) { return d.decode(pkt, true) }

func (d *Decoder) decode(pkt []byte, fast bool) (Message, error) {
	if len(pkt) < 2 {
		return Message{}, fmt.Errorf("packet of %d bytes is too short", len(pkt))
	}
	d.fast = fast
	switch {
	case pkt[0] == passThrough:
		if pkt[1] != versionMagic {
			return Message{}, fmt.Errorf("pass-through packet: byte 1 is %d, want 131", pkt[1])
		}
		return d.decodeBody(pkt[2:], nil, true, 2, d.keep(pkt))
	case pkt[0] == versionMagic && pkt[1] == distHeader:
		refs, n, err := d.cache.parseHeaderRefs(pkt[2:], d.intern)
		if err != nil {
			return Message{}, err
		}
		return d.decodeBody(pkt[2+n:], refs, false, 2+n, d.keep(pkt))
	case pkt[0] == versionMagic && (pkt[1] == distFragHead || pkt[1] == distFragCont):
		return d.fragment(pkt)
	}
	return Message{}, fmt.Errorf("unknown packet type %d %d", pkt[0], pkt[1])
}

// decodeBody decodes the control message and payload in b. With share,
// b belongs to the message: binaries point into it instead of copying.
func (d *Decoder) decodeBody(b []byte, refs []term.Atom, versioned bool, base int, share bool) (Message, error) {
	d.opts.ShareBinaries = share
	defer func() { d.opts.ShareBinaries = false }()
	var m Message
	var n int
	if to, l, ok := d.fastSend(b, refs); d.fast && ok && len(b) > l {
		m.Send, m.To, n = true, to, l
	} else {
		ctrl, l, err := d.decodeTerm(b, refs)
		if err != nil {
			return Message{}, fmt.Errorf("control message at packet offset %d: %w", base, err)
		}
		m.Ctrl, n = ctrl, l
	}
	rest := b[n:]
	if len(rest) == 0 {
		return m, nil
	}
	if versioned {
		if rest[0] != versionMagic {
			return Message{}, fmt.Errorf("payload at packet offset %d: byte is %d, want 131", base+n, rest[0])
		}
		rest = rest[1:]
		n++
	}
	payload, l, err := d.decodeTerm(rest, refs)
	if err != nil {
		return Message{}, fmt.Errorf("payload at packet offset %d: %w", base+n, err)
	}
	if l != len(rest) {
		return Message{}, fmt.Errorf("%d stray bytes after the payload", len(rest)-l)
	}
	m.Payload = payload
	return m, nil
}

func (d *Decoder) fragment(pkt []byte) (Message, error) {
	if len(pkt) < 18 {
		return Message{}, fmt.Errorf("fragment header of %d bytes is too short", len(pkt))
	}
	seq := binary.BigEndian.Uint64(pkt[2:10])
	id := binary.BigEndian.Uint64(pkt[10:18])
	if id == 0 {
		return Message{}, fmt.Errorf("fragment %d of sequence %d: fragment ids start at 1", id, seq)
	}
	var f *fragment
	data := pkt[18:]
	if pkt[1] == distFragHead {
		if _, dup := d.frags[seq]; dup {
			return Message{}, fmt.Errorf("sequence %d started twice", seq)
		}
		refs, n, err := d.cache.parseHeaderRefs(data, d.intern)
		if err != nil {
			return Message{}, err
		}
		data = data[n:]
		if id == 1 {
			return d.decodeBody(data, refs, false, 18+n, d.keep(pkt))
		}
		if len(d.frags) >= d.MaxPending {
			return Message{}, fmt.Errorf("more than %d fragmented messages in progress", d.MaxPending)
		}
		if len(data) > d.MaxMessage {
			return Message{}, fmt.Errorf("fragmented message %d exceeds %d bytes", seq, d.MaxMessage)
		}
		f = &fragment{refs: slices.Clone(refs), next: id}
		d.frags[seq] = f
		if d.keep(pkt) {
			// The message starts in the packet's own buffer; the next
			// fragments are appended to it (in the room the carrier left
			// after it, for a short last one).
			f.data = data
			d.fragBytes += len(data)
			f.next = id - 1
			return Message{}, ErrIncomplete
		}
		// Room for the whole message when every fragment but the last
		// (a short one) is this size: at most three more of them, so what
		// a peer makes us reserve stays proportional to what it has sent.
		room := uint64(len(data))*min(id, 4) - uint64(len(data)) + 4<<10
		f.data = make([]byte, 0, min(room, uint64(d.MaxMessage)))
	} else {
		f = d.frags[seq]
		if f == nil {
			return Message{}, fmt.Errorf("fragment %d of unknown sequence %d", id, seq)
		}
		if id != f.next {
			return Message{}, fmt.Errorf("sequence %d: got fragment %d, expected %d", seq, id, f.next)
		}
	}
	if len(f.data)+len(data) > d.MaxMessage {
		d.drop(seq)
		return Message{}, fmt.Errorf("fragmented message %d exceeds %d bytes", seq, d.MaxMessage)
	}
	d.fragBytes += len(data)
	f.data = append(f.data, data...)
	f.next = id - 1
	if id > 1 {
		return Message{}, ErrIncomplete
	}
	d.drop(seq)
	// The reassembled bytes belong to this message alone: its binaries
	// can point into them instead of being copied.
	return d.decodeBody(f.data, f.refs, false, 0, true)
}

func (d *Decoder) drop(seq uint64) {
	if f, ok := d.frags[seq]; ok {
		d.fragBytes -= len(f.data)
		delete(d.frags, seq)
	}
}
