// Command slimeval is a reference for bench/shell, not a product: what
// `avmsh eval NODE 'Expr.'` costs as a process when the binary holds
// only what eval needs (node, erpc, the Go evaluator) and none of the
// CLI's other commands (cobra tree, dashboard, serial). Environment:
// AVMSH_COOKIE and ERL_EPMD_PORT, as for avmsh. Usage: slimeval NODE 'Expr.'
package main
