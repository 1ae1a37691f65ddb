package beam

import (
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
)

// Compact-term tags of the Code chunk (OTP beam_opcodes.hrl).
const (
	tagU = 0 // literal unsigned integer
	tagI = 1 // integer
	tagA = 2 // atom index
	tagX = 3 // x register
	tagY = 4 // y register
	tagF = 5 // label
	tagH = 6 // character
	tagZ = 7 // extended
)

// cterm is one decoded compact term; val is only meaningful when !big.
type cterm struct {
	tag byte
	val uint64
	big bool
}

// readCompact decodes the compact term at b[pos] (the encoding of OTP's
// beam_asm:encode/2): a tag in the low 3 bits, then the value in the
// high 4 bits, in 11 bits over two bytes, or in 2..8 following bytes
// (more when the size itself is a nested compact term). The extended
// tag's payload is skipped by readOperand.
func readCompact(b []byte, pos int) (cterm, int, error) {
	if pos >= len(b) {
		return cterm{}, pos, errTrunc
	}
	b0 := b[pos]
	t := cterm{tag: b0 & 7}
	switch {
	case b0&0x08 == 0:
		t.val = uint64(b0 >> 4)
		return t, pos + 1, nil
	case t.tag == tagZ:
		return t, pos, errBadTerm
	case b0&0x10 == 0:
		if pos+1 >= len(b) {
			return t, pos, errTrunc
		}
		t.val = uint64(b0>>5)<<8 | uint64(b[pos+1])
		return t, pos + 2, nil
	}
	n := int(b0>>5) + 2
	pos++
	if b0>>5 == 7 {
		l, next, err := readCompact(b, pos)
		if err != nil || l.tag != tagU || l.big || l.val > uint64(len(b)) {
			return t, pos, errBadTerm
		}
		n, pos = int(l.val)+9, next
	}
	if n > len(b)-pos {
		return t, pos, errTrunc
	}
	if n > 8 {
		t.big = true
	} else {
		for _, c := range b[pos : pos+n] {
			t.val = t.val<<8 | uint64(c)
		}
	}
	return t, pos + n, nil
}

type codeError string

func (e codeError) Error() string { return string(e) }

const (
	errTrunc   = codeError("the code ends inside an instruction")
	errBadTerm = codeError("malformed operand")
)

// maxOperandDepth bounds nesting of extended operands (a list's
// elements may themselves be extended terms).
const maxOperandDepth = 8

// readOperand skips one operand, extended ones included.
func readOperand(b []byte, pos, depth int) (int, error) {
	t, next, err := readCompact(b, pos)
	if err != nil {
		return pos, err
	}
	if t.tag != tagZ {
		return next, nil
	}
	if depth > maxOperandDepth {
		return pos, errBadTerm
	}
	pos = next
	// index reads an unsigned operand that numbers something (a
	// register, a literal, a type): any size.
	index := func() (uint64, error) {
		l, p, err := readCompact(b, pos)
		if err != nil {
			return 0, err
		}
		if l.tag != tagU || l.big {
			return 0, errBadTerm
		}
		pos = p
		return l.val, nil
	}
	// count reads the length of what follows: it cannot exceed the
	// bytes left (each element takes at least one).
	count := func() (int, error) {
		n, err := index()
		if err != nil || n > uint64(len(b)-pos) {
			return 0, errBadTerm
		}
		return int(n), nil
	}
	switch t.val {
	case 0: // float (old compilers): 8 bytes
		if len(b)-pos < 8 {
			return pos, errTrunc
		}
		return pos + 8, nil
	case 1: // list: count, then that many operands
		n, err := count()
		if err != nil {
			return pos, err
		}
		for i := 0; i < n; i++ {
			if pos, err = readOperand(b, pos, depth+1); err != nil {
				return pos, err
			}
		}
		return pos, nil
	case 2, 4: // floating-point register, literal: one unsigned
		_, err := index()
		return pos, err
	case 3: // allocation list: count, then pairs
		n, err := count()
		if err != nil {
			return pos, err
		}
		for i := 0; i < 2*n; i++ {
			if pos, err = readOperand(b, pos, depth+1); err != nil {
				return pos, err
			}
		}
		return pos, nil
	case 5: // type-tagged register: register, type index
		if pos, err = readOperand(b, pos, depth+1); err != nil {
			return pos, err
		}
		_, err := index()
		return pos, err
	}
	return pos, errBadTerm
}

// OpcodeSet is a set of opcodes (0..255).
type OpcodeSet [4]uint64

// Add puts op in the set.
func (s *OpcodeSet) Add(op int) { s[op>>6] |= 1 << (op & 63) }

// Has reports whether op is in the set.
func (s OpcodeSet) Has(op int) bool { return op >= 0 && op < 256 && s[op>>6]&(1<<(op&63)) != 0 }

// List returns the opcodes in increasing order.
func (s OpcodeSet) List() []int {
	var out []int
	for op := 0; op < 256; op++ {
		if s.Has(op) {
			out = append(out, op)
		}
	}
	return out
}

// readCode decodes the Code chunk's header and walks its instructions
// up to int_code_end, collecting the opcodes used.
func (f *File) readCode(b []byte) error {
	base := f.chunkOffset("Code")
	if len(b) < 20 {
		return errorf(ErrTruncated, base, "Code chunk of %d bytes is shorter than its 20-byte header", len(b))
	}
	sub := int64(binary.BigEndian.Uint32(b))
	if sub < 16 || sub > int64(len(b)-4) {
		return errorf(ErrInvalid, base, "Code chunk header size %d is out of range", sub)
	}
	u := func(i int) int { return int(binary.BigEndian.Uint32(b[4+4*i:]) & 0x7fffffff) }
	f.Code = CodeHeader{InstructionSet: u(0), OpcodeMax: u(1), Labels: u(2), Functions: u(3)}
	code := b[4+sub:]
	cbase := base + 4 + int(sub)
	for pos := 0; ; {
		if pos >= len(code) {
			return errorf(ErrTruncated, cbase+pos, "the Code chunk ends without int_code_end")
		}
		op := int(code[pos])
		info := opcodeInfo(op)
		if info.name == "" {
			// Unknown to us (newer than genop.tab as of OTP 29): its
			// arity is unknown, so the walk stops here.
			f.Opcodes.Add(op)
			return nil
		}
		f.Opcodes.Add(op)
		pos++
		if op == opIntCodeEnd {
			return nil
		}
		for i := 0; i < info.arity; i++ {
			next, err := readOperand(code, pos, 0)
			if err != nil {
				return errorf(ErrInvalid, cbase+next, "Code chunk: operand %d of %s (opcode %d): %v", i+1, info.name, op, err)
			}
			pos = next
		}
	}
}

const opIntCodeEnd = 3

type opInfo struct {
	name  string
	arity int
}

// genop lists OTP's generic instructions (lib/compiler/src/genop.tab):
// "number name/arity" per entry, in order. Names starting with '-' are
// obsolete: compilers no longer emit them.
const genop = `1 label/1 2 func_info/3 3 int_code_end/0 4 call/2 5 call_last/3 6 call_only/2
7 call_ext/2 8 call_ext_last/3 9 bif0/2 10 bif1/4 11 bif2/5 12 allocate/2 13 allocate_heap/3
14 -allocate_zero/2 15 -allocate_heap_zero/3 16 test_heap/2 17 -init/1 18 deallocate/1
19 return/0 20 send/0 21 remove_message/0 22 timeout/0 23 loop_rec/2 24 loop_rec_end/1
25 wait/1 26 wait_timeout/2 27 -m_plus/4 28 -m_minus/4 29 -m_times/4 30 -m_div/4
31 -int_div/4 32 -int_rem/4 33 -int_band/4 34 -int_bor/4 35 -int_bxor/4 36 -int_bsl/4
37 -int_bsr/4 38 -int_bnot/3 39 is_lt/3 40 is_ge/3 41 is_eq/3 42 is_ne/3 43 is_eq_exact/3
44 is_ne_exact/3 45 is_integer/2 46 is_float/2 47 is_number/2 48 is_atom/2 49 is_pid/2
50 is_reference/2 51 is_port/2 52 is_nil/2 53 is_binary/2 54 -is_constant/2 55 is_list/2
56 is_nonempty_list/2 57 is_tuple/2 58 test_arity/3 59 select_val/3 60 select_tuple_arity/3
61 jump/1 62 catch/2 63 catch_end/1 64 move/2 65 get_list/3 66 get_tuple_element/3
67 set_tuple_element/3 68 -put_string/3 69 put_list/3 70 -put_tuple/2 71 -put/1
72 badmatch/1 73 if_end/0 74 case_end/1 75 call_fun/1 76 -make_fun/3 77 is_function/2
78 call_ext_only/2 79 -bs_start_match/2 80 -bs_get_integer/5 81 -bs_get_float/5
82 -bs_get_binary/5 83 -bs_skip_bits/4 84 -bs_test_tail/2 85 -bs_save/1 86 -bs_restore/1
87 -bs_init/2 88 -bs_final/2 89 -bs_put_integer/5 90 -bs_put_binary/5 91 -bs_put_float/5
92 -bs_put_string/2 93 -bs_need_buf/1 94 -fclearerror/0 95 -fcheckerror/1 96 fmove/2
97 fconv/2 98 fadd/4 99 fsub/4 100 fmul/4 101 fdiv/4 102 fnegate/3 103 -make_fun2/1
104 try/2 105 try_end/1 106 try_case/1 107 try_case_end/1 108 raise/2 109 -bs_init2/6
110 -bs_bits_to_bytes/3 111 -bs_add/5 112 apply/1 113 apply_last/2 114 is_boolean/2
115 is_function2/3 116 -bs_start_match2/5 117 bs_get_integer2/7 118 bs_get_float2/7
119 bs_get_binary2/7 120 bs_skip_bits2/5 121 bs_test_tail2/3 122 -bs_save2/2
123 -bs_restore2/2 124 gc_bif1/5 125 gc_bif2/6 126 -bs_final2/2 127 -bs_bits_to_bytes2/2
128 -put_literal/2 129 is_bitstr/2 130 -bs_context_to_binary/1 131 bs_test_unit/3
132 bs_match_string/4 133 bs_init_writable/0 134 -bs_append/8 135 -bs_private_append/6
136 trim/2 137 -bs_init_bits/6 138 bs_get_utf8/5 139 bs_skip_utf8/4 140 bs_get_utf16/5
141 bs_skip_utf16/4 142 bs_get_utf32/5 143 bs_skip_utf32/4 144 -bs_utf8_size/3
145 -bs_put_utf8/3 146 -bs_utf16_size/3 147 -bs_put_utf16/3 148 -bs_put_utf32/3
149 on_load/0 150 -recv_mark/1 151 -recv_set/1 152 gc_bif3/7 153 line/1 154 put_map_assoc/5
155 put_map_exact/5 156 is_map/2 157 has_map_fields/3 158 get_map_elements/3
159 is_tagged_tuple/4 160 build_stacktrace/0 161 raw_raise/0 162 get_hd/2 163 get_tl/2
164 put_tuple2/2 165 bs_get_tail/3 166 bs_start_match3/4 167 bs_get_position/3
168 bs_set_position/2 169 swap/2 170 bs_start_match4/4 171 make_fun3/3 172 init_yregs/1
173 recv_marker_bind/2 174 recv_marker_clear/1 175 recv_marker_reserve/1 176 recv_marker_use/1
177 bs_create_bin/6 178 call_fun2/3 179 nif_start/0 180 badrecord/1 181 update_record/5
182 bs_match/3 183 executable_line/2 184 debug_line/4 185 bif3/6 186 is_any_native_record/2
187 is_native_record/4 188 get_record_elements/3 189 put_record/6 190 is_record_accessible/3
191 get_record_field/5`

// MaxKnownOpcode is the highest opcode in the table above (OTP 29).
const MaxKnownOpcode = 191

// opcodes is the table above, parsed on first use (not at start-up:
// most avmsh commands never read a .beam file).
var opcodes = sync.OnceValue(func() *[MaxKnownOpcode + 1]opInfo {
	t := parseGenop(genop)
	return &t
})

func parseGenop(s string) [MaxKnownOpcode + 1]opInfo {
	var t [MaxKnownOpcode + 1]opInfo
	f := strings.Fields(s)
	for i := 0; i+1 < len(f); i += 2 {
		var n, arity int
		var name string
		fmt.Sscan(f[i], &n)
		name, a, _ := strings.Cut(f[i+1], "/")
		fmt.Sscan(a, &arity)
		t[n] = opInfo{name: strings.TrimPrefix(name, "-"), arity: arity}
	}
	return t
}

func opcodeInfo(op int) opInfo {
	if op < 1 || op > MaxKnownOpcode {
		return opInfo{}
	}
	return opcodes()[op]
}

// OpcodeName returns the name of a generic opcode ("" if unknown).
func OpcodeName(op int) string { return opcodeInfo(op).name }
