# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# node-proxy: one HAProxy per node (the ambient ztunnel/waypoint shape, TCP mode). The VIP
# 10.96.5.1 is a local address (on lo) of each node namespace, so pod traffic to it is
# delivered to the node's proxy, which forwards to the backend pods. node1's proxy on
# CPU 0, node2's on CPU 1. Path check: node1's proxy session counter rises.

V_NP_VIP=10.96.5.1

v_node_proxy_setup() {
	local sip n cpu
	sip=$(pod_var "$SERVER_POD" IP4)
	for n in 1 2; do
		cpu=$((n == 1 ? CLIENT_CPU : SERVER_CPU))
		nsx "node$n" ip addr add "$V_NP_VIP/32" dev lo
		haproxy_start "node$n" "$cpu" "$WORK/np-node$n" "$V_NP_VIP:$P_HTTP=$sip:$P_HTTP" \
			"$V_NP_VIP:$P_IPERF=$sip:$P_IPERF" "$V_NP_VIP:$P_SOCKPERF=$sip:$P_SOCKPERF" || return 1
	done
	TARGET=$V_NP_VIP
}
v_node_proxy_teardown() {
	local n
	for n in 1 2; do
		haproxy_stop "$WORK/np-node$n"
		nsx "node$n" ip addr del "$V_NP_VIP/32" dev lo 2>/dev/null || true
	done
}
v_node_proxy_counters() { echo "node1_proxy_sessions=$(haproxy_sessions "$WORK/np-node1")"; }
v_node_proxy_mesh_pids() {
	echo "$(haproxy_pid "$WORK/np-node1") node node1-proxy"
	echo "$(haproxy_pid "$WORK/np-node2") node node2-proxy"
}
