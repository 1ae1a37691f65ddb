package syntax

import "github.com/avmsh/avmsh/vm/term"

// Options control how terms are printed. The zero value prints like
// io_lib:format("~w") / ("~p") on a node other than the pids' own: latin1,
// unlimited depth, line length 80, column 1, strings detected, and
// identifiers of every node in the stable notation.
type Options struct {
	// Encoding is Latin1 (~w, ~p) or Unicode (~tw, ~tp).
	Encoding Encoding
	// Depth limits nesting as ~W and ~P do; 0 or negative means no limit.
	// (OTP's depth 0, which prints "...", is handled by package iolib.)
	Depth int
	// Column is the column the term starts at (~p's precision, the
	// shell's 1); values below 1 mean 1.
	Column int
	// LineLength is ~p's field width: the line length to fit in.
	// 0 means the default 80; a negative value means never break
	// (OTP's line_length 0).
	LineLength int
	// LineMaxChars is io_lib_pretty's line_max_chars: the most
	// characters on one line (the erl shell uses 60); 0 means no limit.
	LineMaxChars int
	// NoStrings prints lists and binaries of characters as integers
	// (the l modifier, ~lp).
	NoStrings bool
	// PrintableRange is io:printable_range(): Latin1 (OTP's default) or
	// Unicode (erl +pc unicode). It decides whether lists and binaries
	// holding characters above 255 print as strings under ~tp.
	PrintableRange Encoding
	// Node is the context for pids, ports and references.
	Node NodeContext
	// Records, when set, names the fields of record tag with size-1
	// fields (the shell's record definitions) so that ~p prints
	// #tag{field = Value}; return nil for tuples that are no record.
	Records func(tag term.Atom, fields int) []term.Atom
}

// NodeContext says which node is printing, so that pids, ports and
// references print as OTP's pid_to_list/port_to_list/ref_to_list do.
type NodeContext struct {
	// Local is the printing node. Its identifiers print as <0.X.Y>,
	// #Port<0.N> and #Ref<0.A.B.C>. Empty means no node is local.
	Local term.Atom
	// LocalCreation, when not 0, restricts "local" to identifiers of
	// that incarnation (OTP prints old incarnations as foreign).
	LocalCreation uint32
	// Index, when set, gives OTP's per-node index for a foreign node so
	// that its identifiers print exactly like OTP's (<9267.1.2>). OTP's
	// index is an internal table slot that differs between nodes and
	// runs; without Index, foreign identifiers print in the stable
	// notation <'node@host'.X.Y>, which Parse reads back.
	Index func(node term.Atom) int
	// ShowCreation adds the creation to the stable notation
	// (<'node@host':Creation.X.Y>), making it lossless.
	ShowCreation bool
}

func (o *Options) lineLength() int {
	switch {
	case o.LineLength == 0:
		return 80
	case o.LineLength < 0:
		return 0
	}
	return o.LineLength
}

func (o *Options) column() int {
	if o.Column < 1 {
		return 1
	}
	return o.Column
}

func (o *Options) depth() int {
	if o.Depth <= 0 {
		return -1
	}
	return o.Depth
}

func (o *Options) maxChars() int {
	if o.LineMaxChars <= 0 {
		return -1
	}
	return o.LineMaxChars
}

func (c *NodeContext) isLocal(node term.Atom, creation uint32) bool {
	return c.Local != "" && node == c.Local && (c.LocalCreation == 0 || creation == 0 || creation == c.LocalCreation)
}

// appendNodePart writes the node part of an identifier: 0 for the local
// node, OTP's index when known, otherwise the quoted node name (with
// :Creation when asked for).
func (c *NodeContext) appendNodePart(dst []byte, node term.Atom, creation uint32) []byte {
	if c.isLocal(node, creation) {
		return append(dst, '0')
	}
	if c.Index != nil {
		return appendUint(dst, uint64(c.Index(node)))
	}
	dst = appendQuoted(dst, string(node), '\'', modeUnicode)
	if c.ShowCreation {
		dst = append(dst, ':')
		dst = appendUint(dst, uint64(creation))
	}
	return dst
}
