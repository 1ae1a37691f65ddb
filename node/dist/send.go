package dist

import (
	"github.com/avmsh/avmsh/node/handshake"
	"github.com/avmsh/avmsh/vm/term"
)

// SendCtrl is the control message of a message to a pid, as Build makes
// it for this peer: SEND_SENDER {22, From, To} when the peer takes it
// (and always for AtomVM), else SEND {2, ”, To}.
func SendCtrl(from, to term.Pid, c Caps) term.Tuple {
	if c.AtomVM || c.Flags.Has(handshake.SendSender) {
		return term.Tuple{term.Int(OpSendSender), from, to}
	}
	return term.Tuple{term.Int(OpSend), term.Atom(""), to}
}

// lastSend remembers the header and control bytes of the last message
// sent to a pid: a run of messages between the same two processes then
// costs no control-message encoding at all (the common case of a
// stream), as long as the atom cache has not changed.
type lastSend struct {
	ok       bool
	from, to term.Pid
	gen      uint64 // the cache generation the bytes were made in
	hdr      []byte
	ctrl     []byte
}

// WriteSend writes a message from one pid to another with its encoded
// payload (from EncodePayload): the same packet as Write with
// SendCtrl(from, to), without building and encoding the control message
// again when it is the same as the previous one.
func (e *Encoder) WriteSend(w PacketWriter, from, to term.Pid, payload []byte) error {
	ls := &e.last
	if e.header && ls.ok && ls.gen == e.cache.gen && ls.to == to && ls.from == from &&
		(!e.fragments || len(ls.ctrl)+len(payload)+64 <= e.fragmentSize) {
		return e.write(w, ls.hdr, ls.ctrl, payload)
	}
	if err := e.Write(w, SendCtrl(from, to, e.caps), payload, true); err != nil {
		return err
	}
	if e.header && e.cache.settled() {
		// The packet just written used only atoms the peer already had:
		// its header and control bytes are what the next one needs.
		ls.ok, ls.from, ls.to, ls.gen = true, from, to, e.cache.gen
		ls.hdr = e.cache.appendHeaderRefs(append(ls.hdr[:0], versionMagic, distHeader))
		ls.ctrl = append(ls.ctrl[:0], e.ctrl...)
	}
	return nil
}
