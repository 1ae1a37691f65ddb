// Package observe owns what avmsh reads from running nodes to show them:
// the overview (memory, counts and limits, versions, the leak watch's
// gauges), the process table and one process's details, and the
// observer_cli-like sections (ETS tables, ports and sockets,
// distribution connections with their buffers, scheduler utilisation,
// the application tree). The dashboard and `avmsh top` both read nodes
// through it.
//
// Nothing is loaded on a target. A BEAM node answers ONE request per
// refresh: an expression built from the sections asked, parsed once per
// node with erl_scan/erl_parse and evaluated with erl_eval:exprs/2. With
// a Conn that is a Requester (a real node's), the expression is held by
// an agent on the node, an erl_eval closure started by the first poll
// (agent.go): a refresh is one small message each way, and PollMany asks
// the agents of many nodes from one process. An agent ends on nodedown,
// after AgentIdle without a request, or is killed when a request times
// out. An
// AtomVM node gets the few calls it answers (see atomvm.go: one
// system_info call for the overview, processes/0 and one lists:zipwith
// call for the table); another avmsh node gets its BIFs one call each.
// Optional calls a node answered with undef or badarg are not repeated
// until Forget (every erpc call costs an AtomVM board a process and a
// crash report on its console).
//
// Rates (rates.go) are pure functions of two process tables:
// reductions per second, memory delta and message-queue growth per
// process, processes that appeared or exited, sorting by any column;
// SchedUtilisation does the same for scheduler counters.
package observe
