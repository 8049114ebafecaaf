# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# sluice-local and sluice-accel: same-node traffic through a Sluice VIP (10.96.7.1): the
# client in node1-p1 reaches the servers in $LOCAL_SERVER_POD (node1-p4, also pinned to
# $SERVER_CPU), with the Pods applied (acceleration needs both ends known as pods of the
# node). sluice-local runs the agents with --accelerate=off, sluice-accel with
# --accelerate=on (restarted for the run, back to the default in teardown). The report
# compares sluice-accel with sluice-local: what sockhash + sk_msg redirect buys.
# Path check: connect_translated on node1 rises; sluice-accel: sk_msg_redirected and
# sockhash_added on node1 rise; sluice-local: sk_msg_redirected does not move.

V_LOCAL_VIP=10.96.7.1

local_yaml() {
	local f="$WORK/sluice-local.yaml"
	[ -s "$f" ] && { printf '%s' "$f"; return; }
	{
		tb pods "$CLIENT_POD" "$LOCAL_SERVER_POD"
		echo "---"
		python3 "$GEN" sluice --svc "bench-local=$V_LOCAL_VIP=$(pod_var "$LOCAL_SERVER_POD" IP4)=$SVC_PORTS"
	} >"$f"
	printf '%s' "$f"
}

_local_setup() {
	local f
	agents_restart "--accelerate=$1" || return 1
	f=$(local_yaml)
	tb ctl node1 -- apply -f "$f" >/dev/null || return 1
	tb ctl node2 -- apply -f "$f" >/dev/null || return 1
	TARGET=$V_LOCAL_VIP
}
_local_teardown() {
	local f
	f=$(local_yaml)
	tb ctl node1 -- delete --ignore-not-found -f "$f" >/dev/null || true
	tb ctl node2 -- delete --ignore-not-found -f "$f" >/dev/null || true
	agents_restart
}

v_sluice_local_setup() { _local_setup off; }
v_sluice_local_teardown() { _local_teardown; }
v_sluice_local_server_pod() { echo "$LOCAL_SERVER_POD"; }
v_sluice_local_counters() {
	echo "node1_connect_translated=$(sluice_counter node1 connect_translated)"
	echo "same_node1_sk_msg_redirected=$(sluice_counter node1 sk_msg_redirected)"
}
v_sluice_local_mesh_pids() { :; }

v_sluice_accel_setup() { _local_setup on; }
v_sluice_accel_teardown() { _local_teardown; }
v_sluice_accel_server_pod() { echo "$LOCAL_SERVER_POD"; }
v_sluice_accel_counters() {
	echo "node1_connect_translated=$(sluice_counter node1 connect_translated)"
	echo "node1_sk_msg_redirected=$(sluice_counter node1 sk_msg_redirected)"
	echo "node1_sockhash_added=$(sluice_counter node1 sockhash_added)"
}
v_sluice_accel_mesh_pids() { :; }
