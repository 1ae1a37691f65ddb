package serialdist

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Port leases. A device is held open by one part of avmsh at a time (a
// monitor, a node's serial distribution, the dashboard), in this or
// another avmsh process: the device lock sees to that. When another part
// needs the device for a while (a flasher), it borrows it: the holder
// closes the device, the borrower uses it, gives it back, and the holder
// reopens it.
//
// The rendezvous is a Unix socket per device in a private directory
// ($XDG_RUNTIME_DIR/avmsh-ports, or avmsh-ports-UID in the temporary
// directory), so the same mechanism works inside one process and
// between processes. The protocol is a line each way: the borrower
// sends "LEND <who>", the holder answers "OK <holder>" once the device
// is closed (or "ERR <why>"), and the loan ends when the borrower sends
// "RETURN" or its connection closes (a borrower that dies gives the
// device back). Before RETURN the borrower may send "CONSOLE <base64>"
// lines: text the board printed while the borrower held the device (its
// boot log after a flasher reset it), which the holder shows as the
// board's console, before what it reads itself once it has reopened the
// device (ReturnConsole). Holders that do not know the line ignore it.

// Lender is a holder's side of a loan.
type Lender interface {
	// Lend closes the device for borrower; it returns once it is closed.
	Lend(ctx context.Context, borrower string) error
	// Returned says the borrower is done: the device may be reopened.
	// console is what the board printed while the borrower held the
	// device and the borrower read (see Loan.ReturnConsole), to be shown
	// as the board's console before what comes next (nil: nothing).
	Returned(console []byte)
}

// maxReturnedConsole bounds the console text a loan carries back.
const maxReturnedConsole = 64 << 10

// leaseDir is where the sockets live.
func leaseDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "avmsh-ports")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("avmsh-ports-%d", os.Getuid()))
}

// leasePath is the socket of a device: its resolved path, flattened.
func leasePath(device string) string {
	if real, err := filepath.EvalSymlinks(device); err == nil {
		device = real
	}
	name := strings.Trim(strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' {
			return '_'
		}
		return r
	}, device), "_")
	if len(name) > 60 {
		name = name[len(name)-60:]
	}
	return filepath.Join(leaseDir(), name+".sock")
}

// Offer makes device borrowable from its holder, described by holder
// ("avmsh monitor (pid 1234)"). stop withdraws the offer (a loan in
// progress is ended as if returned).
func Offer(device, holder string, l Lender) (stop func(), err error) {
	path := leasePath(device)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("offer %s for lending: %w", device, err)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close() // another holder answers: it still has the device
		return nil, fmt.Errorf("offer %s for lending: another avmsh holds it", device)
	}
	_ = os.Remove(path) // a stale socket of a holder that died
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("offer %s for lending: %w", device, err)
	}
	o := &offer{ln: ln, holder: holder, l: l, done: make(chan struct{})}
	go o.serve()
	var once sync.Once
	return func() {
		once.Do(func() {
			ln.Close()
			o.mu.Lock()
			if o.cur != nil {
				o.cur.Close()
			}
			o.mu.Unlock()
			<-o.done
			_ = os.Remove(path)
		})
	}, nil
}

type offer struct {
	ln     net.Listener
	holder string
	l      Lender
	done   chan struct{}
	mu     sync.Mutex
	cur    net.Conn
}

func (o *offer) serve() {
	defer close(o.done)
	for {
		c, err := o.ln.Accept()
		if err != nil {
			return
		}
		o.mu.Lock()
		o.cur = c
		o.mu.Unlock()
		o.loan(c)
		o.mu.Lock()
		o.cur = nil
		o.mu.Unlock()
		c.Close()
	}
}

// loan runs one loan on c.
func (o *offer) loan(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "LEND ") {
		return
	}
	borrower := strings.TrimSpace(strings.TrimPrefix(line, "LEND "))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err = o.l.Lend(ctx, borrower)
	cancel()
	if err != nil {
		fmt.Fprintf(c, "ERR %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	fmt.Fprintf(c, "OK %s\n", o.holder)
	_ = c.SetReadDeadline(time.Time{})
	// Until RETURN, EOF, or the offer is withdrawn; CONSOLE lines carry
	// the board's text back.
	var console []byte
	for {
		line, err := readLine(r, 2*maxReturnedConsole)
		if err != nil || strings.TrimSpace(line) == "RETURN" {
			break
		}
		if b64, ok := strings.CutPrefix(strings.TrimSpace(line), "CONSOLE "); ok {
			if b, err := base64.StdEncoding.DecodeString(b64); err == nil {
				console = append(console, b[:min(len(b), maxReturnedConsole-len(console))]...)
			}
		}
	}
	o.l.Returned(console)
}

// readLine reads a line of at most max bytes (a longer one is an error):
// the borrower is another program, and its lines are bounded.
func readLine(r *bufio.Reader, max int) (string, error) {
	var b []byte
	for {
		part, err := r.ReadSlice('\n')
		b = append(b, part...)
		if len(b) > max {
			return "", errors.New("line too long")
		}
		if err == nil {
			return string(b), nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return string(b), err
		}
	}
}

// Loan is a borrowed device. The zero Loan (nobody held the device)
// returns nothing.
type Loan struct {
	// Holder describes who lent the device ("" if nobody held it).
	Holder string
	c      net.Conn
	once   sync.Once
}

// ErrLendRefused: the holder would not close the device.
var ErrLendRefused = errors.New("the holder would not lend the port")

// Borrow asks whoever in avmsh holds device to close it and waits until
// it has. With nobody holding it the Loan is empty. Give the device
// back with Loan.Return.
func Borrow(ctx context.Context, device, borrower string) (*Loan, error) {
	path := leasePath(device)
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return &Loan{}, nil // nobody in avmsh holds it
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := fmt.Fprintf(c, "LEND %s\n", borrower); err != nil {
		c.Close()
		return nil, fmt.Errorf("borrow %s: %w", device, err)
	}
	_ = c.SetReadDeadline(time.Now().Add(45 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("borrow %s: the holder did not answer: %w", device, err)
	}
	line = strings.TrimSpace(line)
	if holder, ok := strings.CutPrefix(line, "OK "); ok {
		return &Loan{Holder: holder, c: c}, nil
	}
	c.Close()
	return nil, fmt.Errorf("borrow %s: %w: %s", device, ErrLendRefused, strings.TrimPrefix(line, "ERR "))
}

// Return gives the device back; the holder reopens it.
func (l *Loan) Return() { l.ReturnConsole(nil) }

// ReturnConsole gives the device back with the text the board printed
// while it was borrowed and the borrower read (a flasher's
// espflash.Result.Boot: the boot log after the reset), for the holder to
// show as the board's console (at most 64 KiB is sent).
func (l *Loan) ReturnConsole(console []byte) {
	if l == nil || l.c == nil {
		return
	}
	l.once.Do(func() {
		if len(console) > 0 {
			console = console[:min(len(console), maxReturnedConsole)]
			_, _ = fmt.Fprintf(l.c, "CONSOLE %s\n", base64.StdEncoding.EncodeToString(console))
		}
		_, _ = fmt.Fprintf(l.c, "RETURN\n")
		l.c.Close()
	})
}
