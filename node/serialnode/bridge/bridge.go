package bridge

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/avmsh/avmsh/node/carrier"
	"github.com/avmsh/avmsh/node/serialdist"
)

// Serve accepts connections on the serial port p and splices each to a
// connection made by dial, until ctx ends. One connection at a time, as
// a serial line carries one.
func Serve(ctx context.Context, p *serialdist.Port, dial func(context.Context) (carrier.Conn, error)) error {
	l, err := serialdist.ListenPort(p)
	if err != nil {
		return err
	}
	defer l.Close()
	for {
		s, err := l.Accept(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		t, err := dial(ctx)
		if err != nil {
			s.Close()
			continue
		}
		_ = Splice(ctx, s, t)
	}
}

// Splice relays one connection: init is the side that started it
// (sends send_name), resp the side that answers. It returns when either
// side fails or ctx ends, with both closed.
func Splice(ctx context.Context, init, resp carrier.Conn) error {
	defer init.Close()
	defer resp.Close()
	stop := context.AfterFunc(ctx, func() { init.Close(); resp.Close() })
	defer stop()
	if err := handshake(init, resp); err != nil {
		return err
	}
	if err := init.StartData(); err != nil {
		return err
	}
	if err := resp.StartData(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	pump := func(from, to carrier.Conn) {
		defer wg.Done()
		for {
			p, err := from.ReadPacket()
			if err == nil {
				err = to.WritePacket(p)
			}
			if err == nil {
				err = to.Flush()
			}
			if err != nil {
				errs <- err
				from.Close()
				to.Close()
				return
			}
		}
	}
	wg.Add(2)
	go pump(init, resp)
	go pump(resp, init)
	wg.Wait()
	return <-errs
}

// handshake relays the 'N' handshake (erl_dist_protocol): send_name,
// status (and the initiator's answer to "alive"), challenge, reply, ack.
func handshake(init, resp carrier.Conn) error {
	relay := func(from, to carrier.Conn) ([]byte, error) {
		m, err := from.ReadHandshake()
		if err != nil {
			return nil, err
		}
		m = append([]byte(nil), m...)
		return m, to.WriteHandshake(m)
	}
	if _, err := relay(init, resp); err != nil { // send_name
		return fmt.Errorf("bridge: send_name: %w", err)
	}
	for {
		m, err := relay(resp, init)
		if err != nil {
			return fmt.Errorf("bridge: handshake: %w", err)
		}
		if len(m) == 0 {
			return errors.New("bridge: empty handshake message")
		}
		switch m[0] {
		case 's':
			switch string(m[1:]) {
			case "ok", "ok_simultaneous":
			case "alive":
				if _, err := relay(init, resp); err != nil {
					return err
				}
			default:
				return fmt.Errorf("bridge: the node answered status %q", m[1:])
			}
		case 'N': // challenge: the initiator replies
			if _, err := relay(init, resp); err != nil {
				return fmt.Errorf("bridge: challenge reply: %w", err)
			}
		case 'a': // ack: handshake done
			return nil
		default:
			return fmt.Errorf("bridge: unexpected handshake message %q", m[0])
		}
	}
}
