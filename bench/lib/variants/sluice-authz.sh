# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# sluice-authz: the sluice variant with an AuthorizationPolicy in force. The client and
# server Pods are applied (client service account bench-client) with an ALLOW policy
# on the server for the client's principal on the benchmark ports: every connect() is
# checked at the source (sock_lb) and every SYN at the server's pod interface (tc), the
# same Service as the sluice variant. The report compares it with sluice: the cost of
# in-kernel authorization (with no policy, the tc programs only do anti-spoofing).
# Path check: node2 (the server's node) holds sl_authz entries and denies nothing.

V_AUTHZ_POLICY=bench-authz

authz_yaml() {
	local f="$WORK/sluice-authz.yaml"
	[ -s "$f" ] && { printf '%s' "$f"; return; }
	{
		tb pods --sa "$CLIENT_POD=bench-client" --label "$SERVER_POD:bench-server=yes" \
			"$SERVER_POD" "$CLIENT_POD"
		cat <<EOT
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: $V_AUTHZ_POLICY, namespace: default}
spec:
  selector: {matchLabels: {bench-server: "yes"}}
  rules:
  - from: [{source: {principals: [cluster.local/ns/default/sa/bench-client]}}]
    to: [{operation: {ports: ["$P_HTTP", "$P_IPERF", "$P_SOCKPERF"]}}]
EOT
	} >"$f"
	printf '%s' "$f"
}

authz_entries() { # authz_entries NODE: sl_authz entries on NODE
	nsenter --net="/run/netns/$BENCH_TB-$1" curl -s http://127.0.0.1:15020/metrics |
		awk '/^sluice_map_entries\{map="sl_authz"\}/ { print $2 }'
}

v_sluice_authz_setup() {
	v_sluice_setup || return 1
	tb ctl node1 -- apply -f "$(authz_yaml)" >/dev/null || return 1
	tb ctl node2 -- apply -f "$(authz_yaml)" >/dev/null || return 1
	[ "$(authz_entries node2)" -gt 0 ] || { echo "no sl_authz entries on node2" >&2; return 1; }
}
v_sluice_authz_teardown() {
	tb ctl node1 -- delete --ignore-not-found -f "$(authz_yaml)" >/dev/null
	tb ctl node2 -- delete --ignore-not-found -f "$(authz_yaml)" >/dev/null
	v_sluice_teardown
}
v_sluice_authz_counters() {
	echo "node1_connect_translated=$(sluice_counter node1 connect_translated)"
	echo "same_node2_policy_denied=$(sluice_counter node2 policy_denied)"
}
v_sluice_authz_mesh_pids() { :; }
