package parse

import (
	"github.com/avmsh/avmsh/vm/erl/scan"
	"github.com/avmsh/avmsh/vm/term"
)

// Pos is a source position (line:column).
type Pos = scan.Pos

// Expr is an expression (or a pattern, which has the same syntax; the
// checker and evaluator decide what is legal where). The implementations
// are the pointer types of this file.
type Expr interface {
	// At returns the position erl_parse gives the node (used in errors).
	At() Pos
}

// Var is a variable; Name "_" is the anonymous variable.
type Var struct {
	P    Pos
	Name string
}

// Lit is an atomic literal: atom, integer, float, char or string. Val is
// the term (a string is a term.List of character codes); Kind says which
// token it came from. A string literal also keeps its characters in
// Text (UTF-8); for one longer than MaxInlineString, Val is nil (a list
// takes 16 bytes per character: a huge literal is kept as text, which is
// what a binary segment needs) and Value builds the list when asked.
type Lit struct {
	P    Pos
	Kind scan.Kind
	Val  term.Term
	Text string
}

// MaxInlineString is the longest string literal whose list the parser
// builds at once (Lit.Val).
const MaxInlineString = 4096

// Value is the literal's term (for a long string, a new list each
// time).
func (e *Lit) Value() term.Term {
	if e.Val == nil && e.Kind == scan.String {
		return term.String(e.Text)
	}
	return e.Val
}

// Nil is the empty list [].
type Nil struct{ P Pos }

// Cons is [Head | Tail].
type Cons struct {
	P          Pos
	Head, Tail Expr
}

// Tuple is {E1, ..., En}.
type Tuple struct {
	P     Pos
	Elems []Expr
}

// MapField is one K => V (Exact false) or K := V (Exact true).
type MapField struct {
	P     Pos
	Exact bool
	Key   Expr
	Value Expr
}

// Map is #{...} (Base nil) or Base#{...}.
type Map struct {
	P      Pos
	Base   Expr
	Fields []MapField
}

// BinElem is one segment of a binary: Value:Size/TypeSpecs.
type BinElem struct {
	P     Pos
	Value Expr
	// Size is nil when absent (default).
	Size Expr
	// Types are the type specifiers in order (nil when absent); a unit
	// is written "unit:N" with Unit set.
	Types []BinType
}

// BinType is one type specifier of a segment: a name such as integer,
// little or signed, or Name:Arg (unit:N) with HasArg set.
type BinType struct {
	Name   string
	Arg    int64
	HasArg bool
}

// Bin is <<Elems>>.
type Bin struct {
	P     Pos
	Elems []BinElem
}

// BinOp is L Op R for every binary operator except = (Match), andalso
// and orelse (which are BinOps with those names).
type BinOp struct {
	P    Pos
	Op   string
	L, R Expr
}

// UnOp is Op X for + - bnot not.
type UnOp struct {
	P  Pos
	Op string
	X  Expr
}

// Match is Pat = Expr.
type Match struct {
	P   Pos
	Pat Expr
	X   Expr
}

// Remote is M:F; it appears only as the function of a Call (anywhere
// else the checker reports "illegal expression").
type Remote struct {
	P      Pos
	Mod    Expr
	Fun    Expr
	ColonP Pos
}

// Call is Fun(Args). Fun is a Remote for M:F(...), a Lit atom for a
// local call f(...), or any other expression evaluating to a fun.
type Call struct {
	P    Pos
	Fun  Expr
	Args []Expr
}

// Clause is (Pats) when Guard -> Body. Guard is a disjunction (;) of
// conjunctions (,); nil when absent.
type Clause struct {
	P     Pos
	Pats  []Expr
	Guard [][]Expr
	Body  []Expr
}

// Fun is fun Clauses end, or fun Name Clauses end (named fun, Name set).
type Fun struct {
	P       Pos
	Name    string
	Clauses []Clause
}

// FunRef is fun f/A (Mod nil, Name set) or fun M:F/A (Mod, Fun and Arity
// are expressions: atoms/integers or variables).
type FunRef struct {
	P     Pos
	Name  string
	Mod   Expr
	Fun   Expr
	Arity Expr
}

// Case is case X of Clauses end.
type Case struct {
	P       Pos
	X       Expr
	Clauses []Clause
}

// If is if Clauses end (clauses have only guards).
type If struct {
	P       Pos
	Clauses []Clause
}

// Receive is receive Clauses [after After -> AfterBody] end.
type Receive struct {
	P         Pos
	Clauses   []Clause
	After     Expr // nil when there is no after section
	AfterBody []Expr
}

// Try is try Body [of Clauses] [catch Catches] [after After] end. Each
// catch clause has exactly one pattern: {Class, Reason, Stack} as a
// Tuple, built as erl_parse does (Class defaults to throw, Stack to _).
type Try struct {
	P       Pos
	Body    []Expr
	Clauses []Clause
	Catches []Clause
	After   []Expr
}

// CatchExpr is catch X.
type CatchExpr struct {
	P Pos
	X Expr
}

// Block is begin Body end.
type Block struct {
	P    Pos
	Body []Expr
}

// Generator is Pat <- X (Bin false) or Pat <= X (Bin true).
type Generator struct {
	P   Pos
	Bin bool
	Pat Expr
	X   Expr
}

// Comp is a list comprehension [Elem || Quals] (Bin false) or a binary
// comprehension <<Elem || Quals>> (Bin true). Quals are *Generator or
// filter expressions.
type Comp struct {
	P     Pos
	Bin   bool
	Elem  Expr
	Quals []Expr
}

// Record is any record syntax (#r{...}, X#r.f, #r.f); the shell engine
// has no record definitions, so the checker rejects it with erl_lint's
// "record r undefined".
type Record struct {
	P    Pos
	Name string
	// Base is the record expression being read or updated (nil for #r{}).
	Base Expr
}

// At returns the node's position (the Expr interface).
func (e *Var) At() Pos       { return e.P }
func (e *Lit) At() Pos       { return e.P }
func (e *Nil) At() Pos       { return e.P }
func (e *Cons) At() Pos      { return e.P }
func (e *Tuple) At() Pos     { return e.P }
func (e *Map) At() Pos       { return e.P }
func (e *Bin) At() Pos       { return e.P }
func (e *BinOp) At() Pos     { return e.P }
func (e *UnOp) At() Pos      { return e.P }
func (e *Match) At() Pos     { return e.P }
func (e *Remote) At() Pos    { return e.P }
func (e *Call) At() Pos      { return e.P }
func (e *Fun) At() Pos       { return e.P }
func (e *FunRef) At() Pos    { return e.P }
func (e *Case) At() Pos      { return e.P }
func (e *If) At() Pos        { return e.P }
func (e *Receive) At() Pos   { return e.P }
func (e *Try) At() Pos       { return e.P }
func (e *CatchExpr) At() Pos { return e.P }
func (e *Block) At() Pos     { return e.P }
func (e *Generator) At() Pos { return e.P }
func (e *Comp) At() Pos      { return e.P }
func (e *Record) At() Pos    { return e.P }
