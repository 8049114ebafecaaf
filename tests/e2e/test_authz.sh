#!/usr/bin/env bash
# Authorization in the kernel (Istio AuthorizationPolicy at L4), end to end:
#  - the bypass matrix: {VIP, pod IP} x {TCP, connected UDP, unconnected UDP} x
#    {IPv4, IPv6, IPv4-mapped} x {same node, cross node}, for an allowed and a denied
#    client; the denied one once with the source-side check (EPERM at connect/sendmsg)
#    and once from outside any pod cgroup, so only the destination's tc program decides;
#  - a raw-socket spoofing attempt from a pod (IPv4 and IPv6) is dropped;
#  - tightening a policy closes established connections (same and cross node), new
#    connections see it as soon as apply returns;
#  - denials appear in the flow log with the deciding policy and in sluice_* metrics;
#  - an agent restart keeps enforcing (tc filters replaced in place, one per hook).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo sl-probe sl-xfer
require_cmd /usr/bin/python3 tc

tb_up --nodes 2 --pods 3 >"$T_TMP/up.log" 2>&1 || {
	cat "$T_TMP/up.log"
	exit 1
}
tb_env
CG2=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)

# Identities: node1-p1 is the allowed client (default/sleep), node1-p3 the denied one
# (default/other); node1-p2 and node2-p1 run the server (foo/httpbin, app=httpbin).
tb pods --sa node1-p1=sleep --sa node1-p3=other --sa node1-p2=httpbin --sa node2-p1=httpbin \
	--label node1-p2:app=httpbin --label node2-p1:app=httpbin |
	awk '/^  name: /{ pod=$2 } /^  namespace: / && (pod == "node1-p2" || pod == "node2-p1") { print "  namespace: foo"; next } { print }' \
		>"$T_TMP/pods.yaml"

apply_all() { # apply_all FILE: on both nodes; prints the output of the last
	local out n
	for n in node1 node2; do
		out=$(tb ctl "$n" -- apply -f "$1" 2>&1) || {
			echo "$out"
			return 1
		}
	done
	echo "$out"
}

services() {
	local n vip4 vip6 pod
	for n in 1 2; do
		vip4=10.96.5.$n
		vip6=fd00:10:96::5:$n
		pod=$([ "$n" = 1 ] && echo node1-p2 || echo node2-p1)
		cat <<EOT
---
apiVersion: v1
kind: Service
metadata: {name: httpbin-n$n, namespace: foo}
spec:
  clusterIP: $vip4
  clusterIPs: [$vip4, "$vip6"]
  ipFamilies: [IPv4, IPv6]
  ports:
  - {name: tcp, port: 80, targetPort: 8080}
  - {name: udp, port: 53, protocol: UDP, targetPort: 8080}
EOT
		for fam in 4 6; do
			echo "---"
			tb endpointslice --service "foo/httpbin-n$n" --family "$fam" \
				--port tcp:8080/TCP --port udp:8080/UDP "$pod"
		done
	done
}

policy() { # policy PRINCIPAL: httpbin accepts PRINCIPAL on 8080, 9000 and 7777
	cat <<EOT
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: httpbin-allow-sleep, namespace: foo}
spec:
  selector:
    matchLabels: {app: httpbin}
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["$1"]
    to:
    - operation:
        ports: ["8080", "9000", "7777"]
EOT
}

{
	cat "$T_TMP/pods.yaml"
	services
} >"$T_TMP/cluster.yaml"
policy cluster.local/ns/default/sa/sleep >"$T_TMP/policy.yaml"

t_begin "setup: pods, services and the policy apply on both nodes"
out=$(apply_all "$T_TMP/cluster.yaml") || t_fail "$out"
out=$(apply_all "$T_TMP/policy.yaml") || t_fail "$out"
assert_contains "$out" "authorizationpolicy/foo/httpbin-allow-sleep created" && t_pass

for pod in node1-p2 node2-p1; do
	start_echo "$pod" --tcp 8080 --udp 8080 || exit 1
done
t_begin "describe names the pods a policy selects and where it is enforced"
out=$(tb ctl node1 -- describe authorizationpolicy foo/httpbin-allow-sleep 2>&1)
assert_contains "$out" "foo/node1-p2 on node1 (this node: enforced here)" &&
	assert_contains "$out" "foo/node2-p1 on node2" &&
	assert_not_contains "$out" "default/node1-p1" && t_pass

t_begin "an ALLOW rule with HTTP-only fields is ignored at L4, with a warning"
cat >"$T_TMP/http-only.yaml" <<EOT
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: http-only, namespace: foo}
spec:
  selector: {matchLabels: {app: nothing-has-this}}
  rules:
  - to: [{operation: {methods: [GET], ports: ["8080"]}}]
EOT
out=$(tb ctl node1 -- apply -f "$T_TMP/http-only.yaml" 2>&1)
assert_contains "$out" "http-only.yaml:7:5: warning: authorizationpolicy foo/http-only rules[0] uses HTTP-only fields (methods)" &&
	assert_contains "$(tb ctl node1 -- describe ap foo/http-only 2>&1)" "Warning:"
tb ctl node1 -- delete -f "$T_TMP/http-only.yaml" >/dev/null 2>&1
t_pass


ip_of() { # ip_of POD FAMILY(4|6|mapped)
	if [ "$2" = 6 ]; then tb ip -6 "$1"; else tb ip "$1"; fi
}

vip_of() { # vip_of SERVER FAMILY
	local n=2
	[ "$1" = node1-p2 ] && n=1
	if [ "$2" = 6 ]; then echo "fd00:10:96::5:$n"; else echo "10.96.5.$n"; fi
}

# probe_from_outside POD ARGS...: sl-probe in POD's network namespace but in its node's
# system cgroup: the socket programs translate VIPs, but no pod identity is known at
# the source, so only the destination's tc program can refuse.
probe_from_outside() {
	local pod=$1 node=${1%%-p*}
	shift
	# shellcheck disable=SC2016 # $$ and $@ are for the inner shell
	nsenter --net="/run/netns/$TB_NAME-$pod" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' \
		sl "$CG2/sluice-testbed-$TB_NAME/$node/system" "$TOOLS/sl-probe" "$@" 2>&1
}

cell() { # cell CLIENT KIND(allowed|denied|denied-at-destination) SERVER TARGET PROTO FAMILY
	local client=$1 kind=$2 server=$3 target=$4 proto=$5 fam=$6 host port out
	if [ "$target" = vip ]; then
		host=$(vip_of "$server" "$fam")
		port=$([ "$proto" = tcp ] && echo 80 || echo 53)
	else
		host=$(ip_of "$server" "$fam")
		port=8080
	fi
	case $kind in
	allowed)
		out=$(probe "$client" "--$proto" --family "$fam" --timeout-ms 2000 "$host" "$port")
		assert_contains "$out" "ok id=$server"
		;;
	denied)
		out=$(probe "$client" "--$proto" --family "$fam" --timeout-ms 2000 "$host" "$port")
		assert_contains "$out" "err EPERM"
		;;
	denied-at-destination)
		out=$(probe_from_outside "$client" "--$proto" --family "$fam" --timeout-ms 700 "$host" "$port")
		assert_contains "$out" "err " && assert_not_contains "$out" "ok id="
		;;
	esac
}

for kind in allowed denied denied-at-destination; do
	client=$([ "$kind" = allowed ] && echo node1-p1 || echo node1-p3)
	for server in node1-p2 node2-p1; do
		where=$([ "$server" = node1-p2 ] && echo "same node" || echo "cross node")
		for target in vip pod; do
			for proto in tcp udp-connected udp-unconnected; do
				for fam in 4 6 mapped; do
					t_run "matrix: $kind, $where, $target, $proto, IPv$fam" \
						cell "$client" "$kind" "$server" "$target" "$proto" "$fam"
				done
			done
		done
	done
done

stat_of() { # stat_of NODE NAME: a sluicectl stats counter
	tb ctl "$1" -- stats 2>/dev/null | awk -v n="$2" '$1 == n { print $2 }'
}

t_begin "denials are counted at the destination and at the source"
d1=$(stat_of node1 policy_denied)
d2=$(stat_of node2 policy_denied)
s1=$(stat_of node1 policy_denied_at_source)
assert_ne "${d1:-0}" 0 && assert_ne "${d2:-0}" 0 && assert_ne "${s1:-0}" 0 && t_pass

t_begin "the flow log names the deciding policy"
out=$(tb ctl node2 -- flows --verdict DROPPED 2>&1)
assert_contains "$out" "policy=foo/httpbin-allow-sleep (no ALLOW rule matched)" &&
	assert_contains "$out" "reason=policy_denied" && t_pass

t_begin "metrics: denials by reason, workload and policy"
out=$(nsenter --net="/run/netns/$TB_NAME-node2" curl -s http://127.0.0.1:15020/metrics)
assert_match "$out" 'sluice_policy_decisions_total\{decision="denied",namespace="foo",workload="httpbin",pod="node2-p1",policy="foo/httpbin-allow-sleep"\} [1-9]' &&
	assert_match "$out" 'sluice_drops_total\{reason="policy_denied"\} [1-9]' && t_pass

# --- spoofing ----------------------------------------------------------------------

# A raw IPv4/IPv6 UDP datagram from POD with source SRC to DST:PORT, saying TAG.
raw_send() { # raw_send POD SRC DST PORT TAG
	tb exec "$1" -- /usr/bin/python3 - "$2" "$3" "$4" "$5" <<'EOF'
import socket, struct, sys
src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
payload = sys.argv[4].encode()
if ":" in dst:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
    # UDP over IPv6 needs a checksum: pseudo-header + segment.
    ph = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + struct.pack("!II", len(udp), 17)
    data = ph + udp + (b"\0" if len(udp) % 2 else b"")
    c = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while c >> 16:
        c = (c & 0xffff) + (c >> 16)
    c = ~c & 0xffff or 0xffff
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    hdr = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
    s.sendto(hdr + udp, (dst, 0))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    s.sendto(hdr + udp, (dst, 0))
print("sent")
EOF
}

# A UDP listener in POD on PORT that prints the source of every datagram it gets.
start_listener() { # start_listener POD PORT LOG
	tb_bg "$1" "$3" -- /usr/bin/python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
print("listening", flush=True)
while True:
    d, a = s.recvfrom(2048)
    print("got", a[0], d.decode(errors="replace"), flush=True)
' "$2"
	wait_until 10 grep -q listening "$3"
}

start_listener node1-p2 7777 "$T_TMP/listen.log" || exit 1
P11_4=$(tb ip node1-p1)
P11_6=$(tb ip -6 node1-p1)
P13_4=$(tb ip node1-p3)
# shellcheck disable=SC2034 # used by spoof_case
P13_6=$(tb ip -6 node1-p3)
P12_4=$(tb ip node1-p2)
P12_6=$(tb ip -6 node1-p2)

# The allowed client's own raw datagram arrives (the control); the denied client's,
# claiming the allowed client's address, must not: without anti-spoofing the policy
# would take it for the allowed identity.
spoof_case() { # spoof_case FAMILY
	local allowed denied dst before after
	if [ "$1" = 6 ]; then
		allowed=$P11_6 denied=$P13_6 dst=$P12_6
	else
		allowed=$P11_4 denied=$P13_4 dst=$P12_4
	fi
	before=$(stat_of node1 spoofed_source_dropped)
	raw_send node1-p1 "$allowed" "$dst" 7777 "control-$1" >/dev/null 2>&1
	wait_until 5 grep -q "control-$1" "$T_TMP/listen.log" ||
		t_fail "control: the allowed pod's raw datagram did not arrive" || return
	raw_send node1-p3 "$allowed" "$dst" 7777 "spoofed-$1" >/dev/null 2>&1
	raw_send node1-p3 "$denied" "$dst" 7777 "own-$1" >/dev/null 2>&1
	sleep 1
	assert_not_contains "$(cat "$T_TMP/listen.log")" "spoofed-$1" || return
	assert_not_contains "$(cat "$T_TMP/listen.log")" "own-$1" || return
	after=$(stat_of node1 spoofed_source_dropped)
	[ "${after:-0}" -gt "${before:-0}" ] || t_fail "spoofed_source_dropped did not grow ($before -> $after)"
}
t_run "spoofing: a raw IPv4 datagram with another pod's source is dropped" spoof_case 4
t_run "spoofing: a raw IPv6 datagram with another pod's source is dropped" spoof_case 6

# --- tightening closes established connections ---------------------------------------

for pod in node1-p2 node2-p1; do
	tb_bg "$pod" "$T_TMP/xfer-$pod.log" -- "$TOOLS/sl-xfer" server --port 9000
	wait_until 10 grep -q '^listening' "$T_TMP/xfer-$pod.log" || exit 1
done
for pod in node1-p2 node2-p1; do
	tb_bg node1-p1 "$T_TMP/long-$pod.log" -- "$TOOLS/sl-xfer" client "$(tb ip "$pod")" 9000 \
		--mode echo --size 100000000 --pause-ms 20 --timeout-ms 60000
done

t_begin "established connections run while the policy allows them"
sleep 1
for pod in node1-p2 node2-p1; do
	assert_not_contains "$(cat "$T_TMP/long-$pod.log")" "err " || break
done
t_ok && t_pass

t_begin "tightening the policy: new connections are refused as apply returns"
policy cluster.local/ns/default/sa/nobody >"$T_TMP/policy2.yaml"
out=$(apply_all "$T_TMP/policy2.yaml") || t_fail "$out"
out=$(probe node1-p1 --tcp --timeout-ms 2000 "$(tb ip node2-p1)" 8080)
assert_contains "$out" "err EPERM" && t_pass

t_begin "tightening the policy closes established connections (same and cross node)"
for pod in node1-p2 node2-p1; do
	wait_until 5 grep -q "^err " "$T_TMP/long-$pod.log" ||
		t_fail "connection to $pod still open: $(cat "$T_TMP/long-$pod.log")" || break
done
t_ok && assert_ne "$(stat_of node1 policy_connection_closed)" 0 && t_pass

t_begin "loosening again: the allowed client connects"
out=$(apply_all "$T_TMP/policy.yaml") || t_fail "$out"
out=$(probe node1-p1 --tcp --timeout-ms 2000 "$(tb ip node2-p1)" 8080)
assert_contains "$out" "ok id=node2-p1" && t_pass

# --- restarts ----------------------------------------------------------------------

t_begin "after agent restarts: one filter per hook, still enforcing"
for _ in 1 2 3; do
	tb agent node2 stop >/dev/null 2>&1
	tb agent node2 start >/dev/null 2>&1 || t_fail "agent did not restart"
done
dev=$(nsenter --net="/run/netns/$TB_NAME-node2" ip -o route get "$(tb ip node2-p1)" | awk '{ print $3 }')
n_in=$(nsenter --net="/run/netns/$TB_NAME-node2" tc filter show dev "$dev" ingress | grep -c 'handle 0x5c1')
n_out=$(nsenter --net="/run/netns/$TB_NAME-node2" tc filter show dev "$dev" egress | grep -c 'handle 0x5c1')
assert_eq "$n_in/$n_out" "1/1" || true
out=$(probe_from_outside node1-p3 --tcp --timeout-ms 700 "$(tb ip node2-p1)" 8080)
assert_not_contains "$out" "ok id=" || true
out=$(probe node1-p1 --tcp --timeout-ms 2000 "$(tb ip node2-p1)" 8080)
assert_contains "$out" "ok id=node2-p1" && t_pass

t_begin "an AUDIT policy flags matching flows in the flow log without changing verdicts"
cat >"$T_TMP/audit.yaml" <<EOT
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: audit-default, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  action: AUDIT
  rules:
  - from: [{source: {namespaces: [default]}}]
EOT
out=$(apply_all "$T_TMP/audit.yaml") || t_fail "$out"
out=$(probe node1-p1 --tcp --timeout-ms 2000 "$(tb ip node2-p1)" 8080)
assert_contains "$out" "ok id=node2-p1" || true
out=$(tb ctl node2 -- flows 2>&1)
assert_contains "$out" "audit-policy=foo/audit-default" || true
out=$(nsenter --net="/run/netns/$TB_NAME-node2" curl -s http://127.0.0.1:15020/metrics)
assert_match "$out" 'sluice_policy_decisions_total\{decision="audited",[^}]*policy="foo/audit-default"\} [1-9]' && t_pass

# The interface of node2-p1 as the node routes it.
n2dev() { nsenter --net="/run/netns/$TB_NAME-node2" ip -o route get "$(tb ip node2-p1)" | awk '{ print $3 }'; }
n2tc() { nsenter --net="/run/netns/$TB_NAME-node2" tc filter show dev "$1" egress | grep -c 'handle 0x5c1'; }

t_begin "a pod interface loses its filters with its routes and gets them back with them"
dev=$(n2dev)
v4=$(tb ip node2-p1)
v6=$(tb ip -6 node2-p1)
nsenter --net="/run/netns/$TB_NAME-node2" ip route del "$v4/32" dev "$dev"
nsenter --net="/run/netns/$TB_NAME-node2" ip -6 route del "$v6/128" dev "$dev"
wait_until 5 sh -c "[ \"\$(nsenter --net=/run/netns/$TB_NAME-node2 tc filter show dev $dev egress | grep -c 'handle 0x5c1')\" = 0 ]" ||
	t_fail "filters still on $dev after its routes went"
nsenter --net="/run/netns/$TB_NAME-node2" ip route add "$v4/32" dev "$dev"
nsenter --net="/run/netns/$TB_NAME-node2" ip -6 route add "$v6/128" dev "$dev"
wait_until 5 sh -c "[ \"\$(nsenter --net=/run/netns/$TB_NAME-node2 tc filter show dev $dev egress | grep -c 'handle 0x5c1')\" = 1 ]" ||
	t_fail "filters not back on $dev: $(n2tc "$dev")"
out=$(probe_from_outside node1-p3 --tcp --timeout-ms 700 "$v4" 8080)
assert_not_contains "$out" "ok id=" || true
out=$(tb ctl node2 -- status 2>&1)
assert_contains "$out" "authorization: on" && t_pass

t_begin "deleting the policy allows everyone again"
for n in node1 node2; do
	out=$(tb ctl "$n" -- delete -f "$T_TMP/policy.yaml" 2>&1) || t_fail "$out"
done
out=$(probe node1-p3 --tcp --timeout-ms 2000 "$(tb ip node2-p1)" 8080)
assert_contains "$out" "ok id=node2-p1" && t_pass
