# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# sidecar: the Istio sidecar data path with HAProxy (TCP mode) as the proxy. In the client
# pod, nat OUTPUT redirects traffic to the VIP (10.96.4.1) to the outbound proxy (15001..,
# one listener per Service port), excluding the proxy's own uid (-m owner); it forwards to
# the backend pod. In the server pod, nat PREROUTING redirects the app ports to the inbound
# proxy (15006..), which forwards to the app on 127.0.0.1. Client-side proxy on CPU 0,
# server-side on CPU 1. Path check: both proxies' session counters rise.

V_SC_VIP=10.96.4.1

v_sidecar_setup() {
	local sip
	sip=$(pod_var "$SERVER_POD" IP4)
	haproxy_start "$CLIENT_POD" "$CLIENT_CPU" "$WORK/sc-out" \
		"0.0.0.0:15001=$sip:$P_HTTP" "0.0.0.0:15002=$sip:$P_IPERF" "0.0.0.0:15003=$sip:$P_SOCKPERF" || return 1
	haproxy_start "$SERVER_POD" "$SERVER_CPU" "$WORK/sc-in" \
		"0.0.0.0:15006=127.0.0.1:$P_HTTP" "0.0.0.0:15007=127.0.0.1:$P_IPERF" "0.0.0.0:15008=127.0.0.1:$P_SOCKPERF" || return 1
	nsx "$CLIENT_POD" iptables-restore <<EOT
*nat
:ISTIO_OUTPUT - [0:0]
:ISTIO_REDIRECT - [0:0]
-A OUTPUT -p tcp -j ISTIO_OUTPUT
-A ISTIO_OUTPUT -m owner --uid-owner haproxy -j RETURN
-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
-A ISTIO_OUTPUT -d $V_SC_VIP/32 -j ISTIO_REDIRECT
-A ISTIO_REDIRECT -p tcp --dport $P_HTTP -j REDIRECT --to-ports 15001
-A ISTIO_REDIRECT -p tcp --dport $P_IPERF -j REDIRECT --to-ports 15002
-A ISTIO_REDIRECT -p tcp --dport $P_SOCKPERF -j REDIRECT --to-ports 15003
COMMIT
EOT
	nsx "$SERVER_POD" iptables-restore <<EOT
*nat
:ISTIO_INBOUND - [0:0]
:ISTIO_IN_REDIRECT - [0:0]
-A PREROUTING -p tcp -j ISTIO_INBOUND
-A ISTIO_INBOUND -p tcp --dport $P_HTTP -j ISTIO_IN_REDIRECT
-A ISTIO_INBOUND -p tcp --dport $P_IPERF -j ISTIO_IN_REDIRECT
-A ISTIO_INBOUND -p tcp --dport $P_SOCKPERF -j ISTIO_IN_REDIRECT
-A ISTIO_IN_REDIRECT -p tcp --dport $P_HTTP -j REDIRECT --to-ports 15006
-A ISTIO_IN_REDIRECT -p tcp --dport $P_IPERF -j REDIRECT --to-ports 15007
-A ISTIO_IN_REDIRECT -p tcp --dport $P_SOCKPERF -j REDIRECT --to-ports 15008
COMMIT
EOT
	TARGET=$V_SC_VIP
}
v_sidecar_teardown() {
	haproxy_stop "$WORK/sc-out"
	haproxy_stop "$WORK/sc-in"
	nf_clear "$CLIENT_POD"
	nf_clear "$SERVER_POD"
}
v_sidecar_counters() {
	echo "client_proxy_sessions=$(haproxy_sessions "$WORK/sc-out")"
	echo "server_proxy_sessions=$(haproxy_sessions "$WORK/sc-in")"
}
# pid and whether its CPU is already in a pod cgroup (pod) or not (node)
v_sidecar_mesh_pids() {
	echo "$(haproxy_pid "$WORK/sc-out") pod client-sidecar"
	echo "$(haproxy_pid "$WORK/sc-in") pod server-sidecar"
}
