# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# sluice: socket-level load balancing. A Service (VIP 10.96.3.1) and its EndpointSlice
# applied to both nodes' agents; connect() to the VIP is rewritten to the backend by the
# cgroup/connect4 program, no per-packet work after that.
# Path check: `sluicectl status` connect_translated on node1 rises, and so do the
# connections counted by telemetry (on by default) in `sluicectl stats`.

V_SLUICE_VIP=10.96.3.1

sluice_yaml() {
	local n=$1 f
	shift
	f="$WORK/sluice-$n${1:+-x}.yaml"
	if [ $# -gt 0 ] || [ ! -s "$f" ]; then
		python3 "$GEN" sluice --fillers "$n" "$@" \
			--svc "bench-sluice=$V_SLUICE_VIP=$(pod_var "$SERVER_POD" IP4)=$SVC_PORTS" >"$f"
	fi
	printf '%s' "$f"
}

v_sluice_setup() {
	local f
	f=$(sluice_yaml 0)
	tb ctl node1 -- apply -f "$f" >/dev/null || return 1
	tb ctl node2 -- apply -f "$f" >/dev/null || return 1
	TARGET=$V_SLUICE_VIP
}
v_sluice_teardown() {
	local f
	f=$(sluice_yaml 0)
	tb ctl node1 -- delete --ignore-not-found -f "$f" >/dev/null
	tb ctl node2 -- delete --ignore-not-found -f "$f" >/dev/null
}
v_sluice_counters() {
	echo "node1_connect_translated=$(sluice_counter node1 connect_translated)"
	echo "node1_flows_opened=$(sluice_flows_opened node1)"
}
v_sluice_mesh_pids() { :; }
