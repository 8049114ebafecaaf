#!/usr/bin/env bash
# Socket-level service load balancing on a two-node testbed with one agent per node:
# TCP, connected and unconnected UDP over IPv4, IPv6 and IPv4-mapped IPv6, same node
# and cross node, getpeername/recvfrom showing the ClusterIP, named ports, endpoint
# conditions, fail-fast without endpoints, untouched non-service traffic.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo sl-probe

tb_up --nodes 2 --pods 3 >"$T_TMP/up.log" 2>&1 || { cat "$T_TMP/up.log"; exit 1; }
tb_env
# Backends: p1 and p2 of each node run sl-echo (TCP and UDP 8080, TCP 9090 for the named
# port); p3 of each node is the client.
for pod in node1-p1 node2-p1 node1-p2 node2-p2; do
	start_echo "$pod" --tcp 8080 --udp 8080 --tcp 9090 || exit 1
done

VIP4=10.96.0.10
VIP6=fd00:10:96::a

# apply FILE: the same configuration on every node's agent, as a cluster would see it.
apply() {
	local out
	for n in node1 node2; do
		out=$(tb ctl "$n" -- apply -f "$1" 2>&1) || { echo "$out"; return 1; }
	done
	echo "$out"
}

cat >"$T_TMP/svc.yaml" <<EOT
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: default}
spec:
  clusterIP: $VIP4
  clusterIPs: [$VIP4, "$VIP6"]
  ipFamilies: [IPv4, IPv6]
  ipFamilyPolicy: RequireDualStack
  ports:
  - {name: tcp, port: 80, targetPort: 8080}
  - {name: udp, port: 53, protocol: UDP, targetPort: 8080}
  - {name: named, port: 81, targetPort: echo-alt}
---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: default}
spec:
  clusterIPs: [10.96.0.20, "fd00:10:96::14"]
  ports:
  - {name: tcp, port: 80}
  - {name: udp, port: 53, protocol: UDP}
EOT
slices() { # slices POD... [-- extra endpointslice flags]
	for fam in 4 6; do
		echo "---"
		tb endpointslice --service default/echo --family "$fam" \
			--port tcp:8080/TCP --port udp:8080/UDP --port named:9090/TCP "$@"
	done
}
slices node1-p1 node2-p1 >"$T_TMP/eps.yaml"

t_begin "apply Services and EndpointSlices to both agents"
out=$(apply "$T_TMP/svc.yaml") && out2=$(apply "$T_TMP/eps.yaml")
assert_eq $? 0 "apply failed: $out $out2" && assert_contains "$out" "service/default/echo created" &&
	assert_contains "$out2" "endpointslice/default/echo-ipv4 created" && t_pass

# ids_of OUTPUT: the sorted set of backend ids in sl-probe output.
ids_of() { grep -o 'id=[a-z0-9-]*' <<<"$1" | sort -u | tr '\n' ' '; }

# lb_case NAME CLIENT MODE FAMILY HOST PORT WANT_ADDR: every attempt answered, by both
# backends, and the application sees WANT_ADDR (the ClusterIP) as its peer.
lb_case() {
	local name=$1 client=$2 mode=$3 fam=$4 host=$5 port=$6 want=$7 out
	t_begin "$name"
	out=$(probe "$client" "--$mode" --family "$fam" --count 30 --keep-going "$host" "$port")
	if assert_contains "$out" "summary ok=30 err=0" &&
		assert_eq "$(ids_of "$out")" "id=node1-p1 id=node2-p1 " "backends used" &&
		assert_eq "$(grep -c "=$want\$" <<<"$out")" 30 "every reply shows $want"; then
		t_pass
	else
		head -5 <<<"$out" >&2
	fi
}
for client in node1-p3 node2-p3; do
	where=$([ "$client" = node1-p3 ] && echo "node1 client" || echo "node2 client")
	lb_case "TCP IPv4 ClusterIP ($where), getpeername shows VIP" "$client" tcp 4 $VIP4 80 "$VIP4:80"
	lb_case "TCP IPv6 ClusterIP ($where)" "$client" tcp 6 $VIP6 80 "$VIP6:80"
	lb_case "TCP IPv4-mapped ClusterIP ($where)" "$client" tcp mapped $VIP4 80 "::ffff:$VIP4:80"
	lb_case "connected UDP IPv4 ($where)" "$client" udp-connected 4 $VIP4 53 "$VIP4:53"
	lb_case "connected UDP IPv6 ($where)" "$client" udp-connected 6 $VIP6 53 "$VIP6:53"
	lb_case "connected UDP IPv4-mapped ($where)" "$client" udp-connected mapped $VIP4 53 "::ffff:$VIP4:53"
	lb_case "unconnected UDP IPv4, reply from VIP ($where)" "$client" udp-unconnected 4 $VIP4 53 "$VIP4:53"
	lb_case "unconnected UDP IPv6, reply from VIP ($where)" "$client" udp-unconnected 6 $VIP6 53 "$VIP6:53"
	lb_case "unconnected UDP IPv4-mapped ($where)" "$client" udp-unconnected mapped $VIP4 53 "::ffff:$VIP4:53"
done
lb_case "named targetPort resolved through the EndpointSlice port" node1-p3 tcp 4 $VIP4 81 "$VIP4:81"

t_begin "the same unconnected UDP socket sends to the VIP repeatedly"
out=$(tb exec node1-p3 -- python3 - "$VIP4" <<'PY' 2>&1
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
seen = set()
for i in range(40):
    s.sendto(b"x%d" % i, (sys.argv[1], 53))
    data, src = s.recvfrom(2048)
    assert src == (sys.argv[1], 53), src
    seen.add(data.split(b"\n")[0])
print("ok", len(seen))
PY
)
assert_eq "$out" "ok 2" && t_pass

t_begin "traffic to a pod IP is untouched"
out=$(probe node1-p3 --tcp --family 4 --count 3 "$TB_POD_node2_p1_IP4" 8080)
assert_contains "$out" "summary ok=3 err=0" && assert_contains "$out" "peer=$TB_POD_node2_p1_IP4:8080" &&
	assert_eq "$(ids_of "$out")" "id=node2-p1 " && t_pass

t_begin "ClusterIP port that the Service does not have is untouched"
out=$(probe node1-p3 --tcp --family 4 --timeout-ms 1000 $VIP4 8080)
assert_not_contains "$out" "ok id=" && t_pass

for spec in "tcp 4 10.96.0.20 80" "tcp 6 fd00:10:96::14 80" "tcp mapped 10.96.0.20 80" \
	"udp-connected 4 10.96.0.20 53" "udp-unconnected 4 10.96.0.20 53" \
	"udp-unconnected 6 fd00:10:96::14 53"; do
	read -r mode fam host port <<<"$spec"
	t_begin "no endpoints: $mode family $fam fails fast with ECONNREFUSED"
	out=$(probe node2-p3 "--$mode" --family "$fam" --timeout-ms 5000 "$host" "$port")
	assert_contains "$out" "err ECONNREFUSED" && t_pass
done

t_begin "not-ready endpoints get no new connections"
slices node1-p1 node2-p1 --not-ready node2-p1 >"$T_TMP/eps.yaml"
out=$(apply "$T_TMP/eps.yaml") && out=$(probe node1-p3 --tcp --count 20 --keep-going $VIP4 80)
assert_contains "$out" "summary ok=20 err=0" && assert_eq "$(ids_of "$out")" "id=node1-p1 " && t_pass

t_begin "no ready endpoint: serving (terminating) endpoints are used"
slices node1-p1 node2-p1 --terminating node1-p1,node2-p1 >"$T_TMP/eps.yaml"
out=$(apply "$T_TMP/eps.yaml") && out=$(probe node1-p3 --tcp --count 30 --keep-going $VIP4 80)
assert_contains "$out" "summary ok=30 err=0" &&
	assert_eq "$(ids_of "$out")" "id=node1-p1 id=node2-p1 " && t_pass

t_begin "only not-ready, not serving endpoints: refused"
slices node1-p1 node2-p1 --not-ready node1-p1,node2-p1 >"$T_TMP/eps.yaml"
out=$(apply "$T_TMP/eps.yaml") && out=$(probe node1-p3 --tcp $VIP4 80)
assert_contains "$out" "err ECONNREFUSED" && t_pass

t_begin "describe and get show the backends the kernel was given"
slices node1-p1 node2-p1 >"$T_TMP/eps.yaml"
apply "$T_TMP/eps.yaml" >/dev/null
out=$(tb ctl node1 -- describe service default/echo)
assert_contains "$out" "Frontend $VIP4:80/TCP" && assert_contains "$out" "$TB_POD_node1_p1_IP4:8080" &&
	assert_contains "$out" "[$TB_POD_node2_p1_IP6]:8080" && t_pass
t_begin "get endpoints lists ready backends"
out=$(tb ctl node2 -- get endpoints echo)
assert_contains "$out" "$TB_POD_node1_p1_IP4:8080" && assert_contains "$out" "$TB_POD_node2_p1_IP4:8080" && t_pass

t_begin "endpoints changed under a running client: no connection fails"
tb_bg node2-p3 "$T_TMP/churn.log" -- "$TOOLS/sl-probe" --tcp --count 400 --interval-ms 5 --keep-going $VIP4 80
tb_bg node1-p3 "$T_TMP/churn-udp.log" -- "$TOOLS/sl-probe" --udp-unconnected --count 400 --interval-ms 5 --keep-going $VIP4 53
bgs=("${T_BG_PIDS[@]: -2}")
for _ in 1 2 3 4 5; do
	slices node1-p1 node2-p1 node1-p2 node2-p2 >"$T_TMP/e.yaml" && apply "$T_TMP/e.yaml" >/dev/null
	slices node1-p2 >"$T_TMP/e.yaml" && apply "$T_TMP/e.yaml" >/dev/null
	slices node2-p1 node2-p2 >"$T_TMP/e.yaml" && apply "$T_TMP/e.yaml" >/dev/null
	slices node1-p1 >"$T_TMP/e.yaml" && apply "$T_TMP/e.yaml" >/dev/null
done
wait "${bgs[@]}"
out=$(tail -1 "$T_TMP/churn.log") && out2=$(tail -1 "$T_TMP/churn-udp.log")
assert_eq "$out" "summary ok=400 err=0" "TCP" && assert_eq "$out2" "summary ok=400 err=0" "UDP" &&
	assert_eq "$(ids_of "$(cat "$T_TMP/churn.log")")" "id=node1-p1 id=node1-p2 id=node2-p1 id=node2-p2 " \
		"every backend set was used" && t_pass

t_begin "each node's agent has its own maps: a Service applied on node1 only"
svc_yaml only1 10.96.0.30 node2-p1 >"$T_TMP/only1.yaml"
out=$(tb ctl node1 -- apply -f "$T_TMP/only1.yaml") &&
	out1=$(probe node1-p3 --tcp 10.96.0.30 80) && out2=$(probe node2-p3 --tcp --timeout-ms 1000 10.96.0.30 80)
assert_contains "$out1" "ok id=node2-p1" && assert_not_contains "$out2" "ok id=" &&
	assert_not_contains "$(tb ctl node2 -- get services)" "only1" && t_pass

t_begin "programs are attached to the node cgroups only, one per hook"
out1=$(bpftool cgroup show "$TB_NODE_node1_CGROUP") && out2=$(bpftool cgroup show "$TB_NODE_node2_CGROUP")
for h in inet4_connect inet6_connect udp4_sendmsg udp6_sendmsg udp4_recvmsg udp6_recvmsg inet4_getpeername inet6_getpeername sock_ops getsockopt; do
	assert_eq "$(grep -c "cgroup_$h " <<<"$out1")" 1 "node1 $h" || break
	assert_eq "$(grep -c "cgroup_$h " <<<"$out2")" 1 "node2 $h" || break
done
# Nothing per packet at the cgroup: UDP is counted by the pods' tc programs.
for h in inet_egress inet_ingress; do
	assert_eq "$(grep -c "cgroup_$h " <<<"$out1$out2")" 0 "$h" || break
done
root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
assert_not_contains "$(bpftool cgroup show "$root" 2>&1)" "sl_" "root cgroup untouched" && t_pass
