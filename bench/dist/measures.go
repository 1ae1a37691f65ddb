package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/avmsh/avmsh/vm"
	"github.com/avmsh/avmsh/vm/term"
)

// sample is one round's measures: rates in messages per second, round
// trips in microseconds, memory in bytes per process.
type sample map[string]float64

const bigSize = 64 << 10

// round runs every wanted measure once.
func (bn *bench) round(o options) (sample, error) {
	s := sample{}
	type step struct {
		group, key string
		f          func() (float64, error)
	}
	small, big := 32, bigSize
	steps := []step{
		{"tput", "bb", func() (float64, error) { return bn.beamBeam(o.n, small) }},
		{"tput", "ab", func() (float64, error) { return bn.avBeam(o.n, small) }},
		{"tput", "ba", func() (float64, error) { return bn.beamAv(o.n, small) }},
		{"tput", "rb", func() (float64, error) { return bn.rawBeam(o.n, small) }},
		{"tput", "br", func() (float64, error) { return bn.beamRaw(o.n, small) }},
		{"tput", "rbE", func() (float64, error) { return bn.rawBeamEncoded(o.n, small) }},
		{"tput", "brD", func() (float64, error) { return bn.beamRawDecoded(o.n, small) }},
		{"big", "bbB", func() (float64, error) { return bn.beamBeam(o.big, big) }},
		{"big", "abB", func() (float64, error) { return bn.avBeam(o.big, big) }},
		{"big", "baB", func() (float64, error) { return bn.beamAv(o.big, big) }},
		{"big", "rbB", func() (float64, error) { return bn.rawBeam(o.big, big) }},
		{"big", "brB", func() (float64, error) { return bn.beamRaw(o.big, big) }},
		{"big", "rbEB", func() (float64, error) { return bn.rawBeamEncoded(o.big, big) }},
		{"big", "brDB", func() (float64, error) { return bn.beamRawDecoded(o.big, big) }},
		{"rtt", "rttBB", func() (float64, error) { return bn.rttBeam(o.rtt) }},
		{"rtt", "rttAB", func() (float64, error) { return bn.rttAv(o.rtt) }},
		{"rtt", "rttRB", func() (float64, error) { return bn.rttRaw(o.rtt) }},
		{"rtt", "rttHB", func() (float64, error) { return bn.rttHandoff(o.rtt) }},
		{"ref", "aa", func() (float64, error) { return bn.avAv(o.n) }},
		{"ref", "rttAA", func() (float64, error) { return bn.rttAvAv(o.rtt) }},
		{"mem", "memBEAM", func() (float64, error) { return bn.memBeam(o.procs) }},
		{"mem", "memAv", func() (float64, error) { return memFresh("handler", o.procs) }},
		{"mem", "memAvG", func() (float64, error) { return memFresh("goroutine", o.procs) }},
		{"mem", "memFloor", func() (float64, error) { return memFresh("floor", o.procs) }},
	}
	for _, st := range steps {
		if !o.want(st.group) && !o.only[st.key] {
			continue
		}
		v, err := st.f()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.key, err)
		}
		s[st.key] = v
		bn.me.Flush()
	}
	return s, nil
}

func rate(n int, from, to time.Time) float64 { return float64(n) / to.Sub(from).Seconds() }

// beamBeam: b blasts to a counter on a.
func (bn *bench) beamBeam(n, size int) (float64, error) {
	if _, err := bn.ev(bn.a, fmt.Sprintf("(fun() -> C = bench:counter(persistent_term:get(bench_me), bb), rpc:call('%s', bench, blast, [C, %d, %d, persistent_term:get(bench_me)]) end)()", bn.b.Name, n, size)); err != nil {
		return 0, err
	}
	done, err := bn.wait("counted")
	if err != nil {
		return 0, err
	}
	sent, err := bn.wait("sent")
	if err != nil {
		return 0, err
	}
	return rate(n, micros(sent, 1), micros(done, 3)), nil
}

// avBeam: our process blasts to a counter on a.
func (bn *bench) avBeam(n, size int) (float64, error) {
	c, err := bn.evPid(bn.a, "bench:counter(persistent_term:get(bench_me), ab)")
	if err != nil {
		return 0, err
	}
	payload := term.Binary(strings.Repeat("x", size))
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := bn.me.Send(c, term.Tuple{term.Atom("m"), term.Int(i), payload}); err != nil {
			return 0, err
		}
	}
	if err := bn.me.Send(c, term.Tuple{term.Atom("done"), term.Int(n)}); err != nil {
		return 0, err
	}
	sent := time.Now()
	done, err := bn.wait("counted")
	if err != nil {
		return 0, err
	}
	if os.Getenv("BENCH_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "avBeam %d x %d: sent in %v, counted after %v\n", n, size, sent.Sub(start), micros(done, 3).Sub(start))
	}
	return rate(n, start, micros(done, 3)), nil
}

// beamAv: b blasts to our process.
func (bn *bench) beamAv(n, size int) (float64, error) {
	if _, err := bn.ev(bn.b, fmt.Sprintf("bench:blast(persistent_term:get(bench_me), %d, %d, persistent_term:get(bench_me))", n, size)); err != nil {
		return 0, err
	}
	for i := 0; i < n; i++ {
		if _, err := bn.wait("m"); err != nil {
			return 0, err
		}
	}
	if _, err := bn.wait("done"); err != nil {
		return 0, err
	}
	end := time.Now()
	sent, err := bn.wait("sent")
	if err != nil {
		return 0, err
	}
	return rate(n, micros(sent, 1), end), nil
}

// rawBeam: the raw peer blasts pre-encoded packets to a counter on a.
func (bn *bench) rawBeam(n, size int) (float64, error) {
	c, err := bn.evPid(bn.a, "bench:counter(persistent_term:get(bench_me), rb)")
	if err != nil {
		return 0, err
	}
	pkt, err := bn.rawA.packet(c, term.Tuple{term.Atom("m"), term.Int(0), term.Binary(strings.Repeat("x", size))})
	if err != nil {
		return 0, err
	}
	done, err := bn.rawA.packet(c, term.Tuple{term.Atom("done"), term.Int(n)})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := bn.rawA.blast(pkt, n, done); err != nil {
		return 0, err
	}
	counted, err := bn.wait("counted")
	if err != nil {
		return 0, err
	}
	return rate(n, start, micros(counted, 3)), nil
}

// rawBeamEncoded: the raw peer encodes each message as it sends it.
func (bn *bench) rawBeamEncoded(n, size int) (float64, error) {
	c, err := bn.evPid(bn.a, "bench:counter(persistent_term:get(bench_me), rbe)")
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := bn.rawA.blastEncoded(c, n, term.Binary(strings.Repeat("x", size)), term.Tuple{term.Atom("done"), term.Int(n)}); err != nil {
		return 0, err
	}
	counted, err := bn.wait("counted")
	if err != nil {
		return 0, err
	}
	return rate(n, start, micros(counted, 3)), nil
}

// beamRawDecoded: b blasts to the raw peer, which decodes every packet.
func (bn *bench) beamRawDecoded(n, size int) (float64, error) {
	return bn.beamToRaw("bench_rawd", bn.rawD.readDecoded, n, size)
}

// beamRaw: b blasts to the raw peer, which counts packets.
func (bn *bench) beamRaw(n, size int) (float64, error) {
	return bn.beamToRaw("bench_raw", bn.rawB.readMessages, n, size)
}

// beamToRaw: b blasts n messages to the raw peer registered under key in
// b's persistent_term, which read takes (with the end marker); the rate
// is from b's first send to the last message read.
func (bn *bench) beamToRaw(key string, read func(int, time.Duration) error, n, size int) (float64, error) {
	if _, err := bn.ev(bn.b, fmt.Sprintf("bench:blast(persistent_term:get(%s), %d, %d, persistent_term:get(bench_me))", key, n, size)); err != nil {
		return 0, err
	}
	if err := read(n+1, 5*time.Minute); err != nil {
		return 0, err
	}
	end := time.Now()
	sent, err := bn.wait("sent")
	if err != nil {
		return 0, err
	}
	return rate(n, micros(sent, 1), end), nil
}

// rttBeam: a pinger on b and the ponger on a; microseconds per round trip.
func (bn *bench) rttBeam(n int) (float64, error) {
	r, err := bn.ev(bn.b, fmt.Sprintf("bench:pinger(P2, %d)", n))
	if err != nil {
		return 0, err
	}
	var us float64
	if _, err := fmt.Sscan(r, &us); err != nil {
		return 0, err
	}
	return us / float64(n), nil
}

// rttAv: our process pings the ponger on a.
func (bn *bench) rttAv(n int) (float64, error) {
	ping := term.Tuple{term.Atom("ping"), bn.me.Self()}
	isPong := func(m term.Term) bool { return m == term.Atom("pong") }
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := bn.me.Send(bn.ponger, ping); err != nil {
			return 0, err
		}
		if _, err := bn.me.Receive(bn.ctx, isPong, time.Minute); err != nil {
			return 0, err
		}
	}
	return float64(time.Since(start).Microseconds()) / float64(n), nil
}

// rttRaw: the raw peer pings the ponger on a.
func (bn *bench) rttRaw(n int) (float64, error) {
	pkt, err := bn.rawA.packet(bn.ponger, term.Tuple{term.Atom("ping"), bn.rawA.self})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := bn.rawA.write(pkt); err != nil {
			return 0, err
		}
		if err := bn.rawA.readMessages(1, time.Minute); err != nil {
			return 0, err
		}
	}
	return float64(time.Since(start).Microseconds()) / float64(n), nil
}

// rttHandoff: the raw peer with a reader goroutine pings the ponger on a.
func (bn *bench) rttHandoff(n int) (float64, error) {
	pkt, err := bn.rawA.packet(bn.ponger, term.Tuple{term.Atom("ping"), bn.rawA.self})
	if err != nil {
		return 0, err
	}
	d, err := bn.rawA.rttHandoff(pkt, n)
	if err != nil {
		return 0, err
	}
	return float64(d.Microseconds()) / float64(n), nil
}

// avAv: our process blasts to a process of the second avmsh node.
func (bn *bench) avAv(n int) (float64, error) {
	sink, err := bn.av2.Runtime().NewProcess(vm.SpawnOptions{})
	if err != nil {
		return 0, err
	}
	defer sink.Exit(vm.Normal)
	payload := term.Binary(strings.Repeat("x", 32))
	start := time.Now()
	go func() {
		for i := 0; i < n; i++ {
			_ = bn.me.Send(sink.Self(), term.Tuple{term.Atom("m"), term.Int(i), payload})
		}
	}()
	for i := 0; i < n; i++ {
		if _, err := sink.Receive(bn.ctx, nil, time.Minute); err != nil {
			return 0, err
		}
	}
	return rate(n, start, time.Now()), nil
}

// rttAvAv: our process pings a ponger on the second avmsh node.
func (bn *bench) rttAvAv(n int) (float64, error) {
	pong, _, err := bn.av2.Runtime().Spawn(func(p *vm.Process) term.Term {
		for {
			m, err := p.Receive(p.Context(), nil, vm.Infinity)
			if err != nil {
				return vm.Normal
			}
			if t, ok := m.(term.Tuple); ok && len(t) == 2 {
				_ = p.Send(t[1], term.Atom("pong"))
			}
		}
	}, vm.SpawnOptions{})
	if err != nil {
		return 0, err
	}
	defer pong.Exit(vm.Kill)
	ping := term.Tuple{term.Atom("ping"), bn.me.Self()}
	isPong := func(m term.Term) bool { return m == term.Atom("pong") }
	start := time.Now()
	for i := 0; i < n; i++ {
		_ = bn.me.Send(pong.Self(), ping)
		if _, err := bn.me.Receive(bn.ctx, isPong, time.Minute); err != nil {
			return 0, err
		}
	}
	return float64(time.Since(start).Microseconds()) / float64(n), nil
}

// memBeam: erlang:memory(processes) growth per idle process on a.
func (bn *bench) memBeam(n int) (float64, error) {
	r, err := bn.ev(bn.a, fmt.Sprintf("bench:spawn_idle(%d)", n))
	if err != nil {
		return 0, err
	}
	var v float64
	_, err = fmt.Sscan(r, &v)
	return v, err
}
