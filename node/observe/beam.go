package observe

import (
	"strings"

	"github.com/avmsh/avmsh/vm/term"
)

// The poll expressions of BEAM nodes, one fragment per section. Poll
// joins the fragments of the sections it is asked into ONE expression,
// {Fragment1, ...}, or with the process table
// {erlang:monotonic_time(microsecond), self(), Fragment1, ...},
// parsed once per node with erl_scan/erl_parse and evaluated with
// erl_eval:exprs/2 at every refresh: one request, and no code loaded on
// the node. Every item that may be missing or may race with an exit
// (a table deleted, a port closed) is read so that it answers undefined
// or {'EXIT', _} rather than failing the whole request.
const (
	// The overview. Its parsed form travels with every request (a few
	// hundred nodes are polled each refresh): the system_info items are
	// read in one comprehension rather than one call each, which keeps
	// it under 1 KiB encoded.
	beamOverview = `{erlang:memory(), erlang:statistics(run_queue),
 [erlang:system_info(OvItem) || OvItem <- [process_count, process_limit, atom_count, atom_limit, port_count, port_limit,
   schedulers_online, otp_release]],
 erlang:convert_time_unit(erlang:monotonic_time() - erlang:system_info(start_time), native, millisecond)}`

	beamProcs = `[{P, erlang:process_info(P, [registered_name, memory, message_queue_len, reductions, current_function, status])}
 || P <- lists:sublist(erlang:processes(), Max)]`

	beamETS = `{erlang:system_info(wordsize),
 [{T, ets:info(T, name), ets:info(T, size), ets:info(T, memory), O, catch erlang:process_info(O, registered_name),
   ets:info(T, type), ets:info(T, protection)}
  || T <- lists:sublist(ets:all(), MaxETS), O <- [ets:info(T, owner)]]}`

	beamPorts = `[{P, erlang:port_info(P), erlang:port_info(P, memory), erlang:port_info(P, queue_size),
   case erlang:port_info(P, name) of
     {name, Drv} when Drv =:= "tcp_inet"; Drv =:= "udp_inet"; Drv =:= "sctp_inet" ->
       {catch inet:sockname(P), catch inet:peername(P)};
     _ -> none
   end}
 || P <- lists:sublist(erlang:ports(), MaxPorts)]`

	// Distribution: net_kernel's view (type, address, message counts
	// from erlang:dist_get_stat/1), the controllers of
	// erlang:system_info(dist_ctrl) with their output queues, and the
	// busy limit they are measured against.
	beamDist = `{catch net_kernel:nodes_info(), erlang:system_info(dist_buf_busy_limit),
 [{N, C, if is_port(C) -> {erlang:port_info(C, queue_size), catch inet:getstat(C, [recv_oct, send_oct, send_pend])};
            is_pid(C) -> erlang:process_info(C, message_queue_len);
            true -> none end}
  || {N, C} <- erlang:system_info(dist_ctrl)]}`

	// Scheduler utilisation without turning anything on:
	// scheduler_wall_time_all answers undefined unless someone enabled
	// the flag (observer, recon); runtime (CPU time of all the VM's
	// threads) over the wall clock is the fallback.
	beamSched = `{erlang:system_info(schedulers_online), erlang:statistics(scheduler_wall_time_all),
 element(1, erlang:statistics(runtime)), erlang:convert_time_unit(erlang:monotonic_time(), native, millisecond),
 erlang:statistics(total_run_queue_lengths)}`

	// The application tree: top supervisors of the running
	// applications, walked with supervisor:which_children/1 to MaxDepth
	// levels, at most MaxKids children each and Budget nodes in all.
	beamTreeFun = `ObserveTree = fun ObserveTree(_, D, B) when D =< 0; B =< 0 -> {cut, B};
  ObserveTree(Sup, D, B) ->
    case catch supervisor:which_children(Sup) of
      L when is_list(L) ->
        {Kids, B2} = lists:mapfoldl(
          fun ({Id, C, supervisor, _}, Bi) when is_pid(C) ->
                {Sub, Bj} = ObserveTree(C, D - 1, Bi - 1), {{Id, C, supervisor, Sub}, Bj};
              ({Id, C, T, _}, Bi) -> {{Id, C, T, leaf}, Bi - 1}
          end, B, lists:sublist(L, MaxKids)),
        {{length(L), Kids}, B2};
      _ -> {error, B}
    end
end,
`
	beamApps = `element(1, lists:mapfoldl(
   fun ({A, Desc, Vsn}, B0) ->
         Top = case catch application_controller:get_master(A) of
                 M when is_pid(M) -> catch application_master:get_child(M);
                 _ -> none
               end,
         case Top of
           {P, _} when is_pid(P) -> {Tree, B1} = ObserveTree(P, MaxDepth, B0), {{A, Desc, Vsn, P, Tree}, B1};
           _ -> {{A, Desc, Vsn, none, none}, B0}
         end
   end, Budget, application:which_applications(5000)))`
)

// beamModules is the module list: how many modules are loaded and the
// first MaxMods by name.
const beamModules = `(fun (L) -> {length(L), lists:sublist(lists:sort(L), MaxMods)} end)(code:all_loaded())`

// beamSections is the order in which sections appear in the expression.
var beamSections = []struct {
	sec  Section
	frag string
}{
	{SecOverview, beamOverview},
	{SecProcs, beamProcs},
	{SecETS, beamETS},
	{SecPorts, beamPorts},
	{SecDist, beamDist},
	{SecSched, beamSched},
	{SecApps, beamApps},
	{SecModules, beamModules},
}

// beamExpr builds the expression for secs; its value is a tuple of one
// element per section, in beamSections order, preceded when the process
// table is asked (see withClock) by the node's monotonic clock (the
// rates' interval) and the evaluating process (left out of the table:
// it is the poll itself).
func beamExpr(secs Section) string {
	var b strings.Builder
	if secs&SecApps != 0 {
		b.WriteString(beamTreeFun)
	}
	b.WriteString("{")
	sep := ""
	if withClock(secs) {
		b.WriteString("erlang:monotonic_time(microsecond), self()")
		sep = ",\n "
	}
	for _, s := range beamSections {
		if secs&s.sec != 0 {
			b.WriteString(sep + "(catch ")
			b.WriteString(s.frag)
			b.WriteString(")")
			sep = ",\n "
		}
	}
	b.WriteString("}.")
	return b.String()
}

// withClock reports whether the expression of secs starts with the
// node's clock and the poll's pid: only the process table needs them.
func withClock(secs Section) bool { return secs&SecProcs != 0 }

// beamBindings are the bounds the expression of secs reads (only
// those: they travel with every request).
func (o *Observer) beamBindings(secs Section) term.List {
	c := o.cfg
	bind := func(name string, v int) term.Term { return term.Tuple{term.Atom(name), term.Int(v)} }
	var bs term.List
	if secs&SecProcs != 0 {
		bs = append(bs, bind("Max", c.MaxProcs))
	}
	if secs&SecETS != 0 {
		bs = append(bs, bind("MaxETS", c.MaxETS))
	}
	if secs&SecPorts != 0 {
		bs = append(bs, bind("MaxPorts", c.MaxPorts))
	}
	if secs&SecApps != 0 {
		bs = append(bs, bind("MaxDepth", c.MaxDepth), bind("MaxKids", c.MaxChildren), bind("Budget", c.MaxTreeNodes))
	}
	if secs&SecModules != 0 {
		bs = append(bs, bind("MaxMods", c.MaxModules))
	}
	return bs
}
