# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# sluice-policy: Sluice with traffic management in force. The Pods are applied (the
# server pod labelled bench-subset-a=yes and bench-subset-b=yes), a Service (VIP
# 10.96.6.1) with an EndpointSlice naming the pod (targetRef), a DestinationRule with two
# subsets (a, b) and trafficPolicy.loadBalancer.simple ROUND_ROBIN, and a VirtualService
# whose tcp route splits 90/10 between them. There is one server pod, so both subsets
# select it: every connect() goes through the weighted split and the round-robin pick,
# and all traffic still lands on the same server as in the sluice variant. The report
# compares it with sluice: the connect-time cost of traffic management.
# Path check: connect_translated on node1 rises, and `sluicectl describe service` on
# node1 shows the 90% / 10% subset routes with the server as backend.

V_POL_VIP=10.96.6.1
V_POL_SVC=bench-policy

policy_yaml() {
	local f="$WORK/sluice-policy.yaml" ports
	[ -s "$f" ] && { printf '%s' "$f"; return; }
	ports="{name: http, port: $P_HTTP, targetPort: $P_HTTP, protocol: TCP}, {name: iperf, port: $P_IPERF, targetPort: $P_IPERF, protocol: TCP}, {name: sockperf, port: $P_SOCKPERF, targetPort: $P_SOCKPERF, protocol: TCP}"
	{
		tb pods --label "$SERVER_POD:bench-subset-a=yes" --label "$SERVER_POD:bench-subset-b=yes" "$SERVER_POD" "$CLIENT_POD"
		cat <<EOT
---
apiVersion: v1
kind: Service
metadata: {name: $V_POL_SVC, namespace: default}
spec:
  clusterIP: $V_POL_VIP
  ports: [$ports]
---
EOT
		tb endpointslice --service "default/$V_POL_SVC" --port "http:$P_HTTP/TCP" \
			--port "iperf:$P_IPERF/TCP" --port "sockperf:$P_SOCKPERF/TCP" "$SERVER_POD"
		cat <<EOT
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: $V_POL_SVC, namespace: default}
spec:
  host: $V_POL_SVC
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
  subsets:
  - {name: a, labels: {bench-subset-a: "yes"}}
  - {name: b, labels: {bench-subset-b: "yes"}}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: $V_POL_SVC, namespace: default}
spec:
  hosts: [$V_POL_SVC]
  tcp:
  - route:
    - {destination: {host: $V_POL_SVC, subset: a}, weight: 90}
    - {destination: {host: $V_POL_SVC, subset: b}, weight: 10}
EOT
	} >"$f"
	printf '%s' "$f"
}

# policy_split_shown: `describe service` lists both weighted subset routes with the
# server pod as their backend (1), or not (0).
policy_split_shown() {
	local d sip
	sip=$(pod_var "$SERVER_POD" IP4)
	d=$(tb ctl node1 -- describe service "default/$V_POL_SVC" 2>/dev/null)
	if grep -q "90% -> .*subset a ROUND_ROBIN: $sip:" <<<"$d" &&
		grep -q "10% -> .*subset b ROUND_ROBIN: $sip:" <<<"$d"; then
		echo 1
	else
		echo 0
	fi
}

v_sluice_policy_setup() {
	local f
	f=$(policy_yaml)
	tb ctl node1 -- apply -f "$f" >/dev/null || return 1
	tb ctl node2 -- apply -f "$f" >/dev/null || return 1
	[ "$(policy_split_shown)" = 1 ] || { echo "describe service does not show the 90/10 split" >&2; return 1; }
	TARGET=$V_POL_VIP
}
v_sluice_policy_teardown() {
	local f
	f=$(policy_yaml)
	tb ctl node1 -- delete --ignore-not-found -f "$f" >/dev/null
	tb ctl node2 -- delete --ignore-not-found -f "$f" >/dev/null
}
v_sluice_policy_counters() {
	echo "node1_connect_translated=$(sluice_counter node1 connect_translated)"
	echo "must_split_shown=$(policy_split_shown)"
}
v_sluice_policy_mesh_pids() { :; }
