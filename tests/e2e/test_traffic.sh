#!/usr/bin/env bash
# Traffic management in the kernel, decided per connection at connect time:
# DestinationRule subsets and load-balancing policies, VirtualService tcp weighted
# routes and source matches, connection limits, session affinity, internal traffic
# policy, and connected UDP sockets moved off removed backends.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo sl-probe

tb_up --nodes 2 --pods 4 >"$T_TMP/up.log" 2>&1 || { cat "$T_TMP/up.log"; exit 1; }
tb_env
# Servers answer with their pod name; p1 pods are version v1, p2 pods v2.
for pod in node1-p1 node1-p2 node2-p1 node2-p2; do
	start_echo "$pod" --tcp 8080 --udp 8080 || exit 1
done
VIP=10.96.3.10

apply() { # apply FILE...: to both agents, output of the last
	local out f args=()
	for f in "$@"; do args+=(-f "$f"); done
	for n in node1 node2; do
		out=$(tb ctl "$n" -- apply "${args[@]}" 2>&1) || { echo "$out"; return 1; }
	done
	echo "$out"
}
apply_both() { # apply_both YAML-TEXT
	printf '%s\n' "$1" >"$T_TMP/cfg.yaml"
	apply "$T_TMP/cfg.yaml"
}
remove() { # remove YAML-TEXT: delete from both agents
	printf '%s\n' "$1" >"$T_TMP/del.yaml"
	for n in node1 node2; do tb ctl "$n" -- delete --ignore-not-found -f "$T_TMP/del.yaml" >/dev/null; done
}
# share ID OUTPUT: percentage (integer) of replies from backends whose id matches ID.
share() { awk -v id="$1" '/^ok id=/ { n++; if ($2 ~ id) k++ } END { if (n) printf "%d", (100 * k + n / 2) / n; else print -1 }' <<<"$2"; }
count_id() { grep -c "id=$1 " <<<"$2 " || true; }
ids_of() { grep -o 'id=[a-z0-9-]*' <<<"$1" | sort -u | tr '\n' ' '; }

tb pods --label node1-p1:version=v1 --label node2-p1:version=v1 --label node1-p2:version=v2 \
	--label node2-p2:version=v2 --label node1-p3:app=canary-client --label node1-p4:app=client \
	--label node2-p3:app=client --label node2-p4:app=client >"$T_TMP/pods.yaml"
{
	cat <<EOT
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  clusterIP: $VIP
  ports:
  - {name: tcp, port: 80, targetPort: 8080}
  - {name: udp, port: 53, protocol: UDP, targetPort: 8080}
---
EOT
	tb endpointslice --service default/echo --port tcp:8080/TCP --port udp:8080/UDP \
		node1-p1 node1-p2 node2-p1 node2-p2
} >"$T_TMP/svc.yaml"
# svc_with POD...: the echo Service with only these pods as endpoints.
svc_with() {
	sed -n '1,/^---$/p' "$T_TMP/svc.yaml" | sed '$d'
	echo "---"
	tb endpointslice --service default/echo --port tcp:8080/TCP --port udp:8080/UDP "$@"
}
SUBSETS="apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: echo}
spec:
  host: echo
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}"

t_begin "Pods, Service and subsets apply"
out=$(apply "$T_TMP/pods.yaml" "$T_TMP/svc.yaml") && out2=$(apply_both "$SUBSETS")
assert_eq $? 0 "$out $out2" && assert_contains "$out2" "destinationrule/default/echo created" && t_pass

split_case() { # split_case NAME W1 W2: a 10,000-connection TCP split between subsets
	local name=$1 w1=$2 w2=$3 out s1
	t_begin "$name: $w1/$w2 over 10,000 connections, within 2 points"
	apply_both "apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: echo}
spec:
  hosts: [echo.default.svc.cluster.local]
  tcp:
  - route:
    - {destination: {host: echo, subset: v1}, weight: $w1}
    - {destination: {host: echo, subset: v2}, weight: $w2}" >/dev/null || { t_fail "apply"; return; }
	out=$(probe node1-p4 --tcp --count 10000 --interval-ms 0 --keep-going $VIP 80)
	assert_contains "$out" "summary ok=10000 err=0" || return
	s1=$(share 'node[12]-p1' "$out")
	if [ "$s1" -ge $((w1 - 2)) ] && [ "$s1" -le $((w1 + 2)) ]; then t_pass; else t_fail "v1 got $s1%"; fi
}
split_case "canary" 90 10
split_case "even split" 50 50

t_begin "a route to one subset reaches only that subset's pods"
apply_both "apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: echo}
spec:
  hosts: [echo]
  tcp:
  - route:
    - destination: {host: echo, subset: v2, port: {number: 80}}" >/dev/null
out=$(probe node2-p4 --tcp --count 40 --keep-going $VIP 80)
assert_contains "$out" "summary ok=40 err=0" && assert_eq "$(ids_of "$out")" "id=node1-p2 id=node2-p2 " && t_pass

t_begin "sourceLabels: canary clients go to v2, the others to v1"
SRC_VS="apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo}
spec:
  hosts: [echo]
  tcp:
  - match: [{sourceLabels: {app: canary-client}}]
    route: [{destination: {host: echo, subset: v2}}]
  - route: [{destination: {host: echo, subset: v1}}]"
apply_both "$SRC_VS" >/dev/null
canary=$(probe node1-p3 --tcp --count 30 --keep-going $VIP 80)
other=$(probe node1-p4 --tcp --count 30 --keep-going $VIP 80)
assert_eq "$(ids_of "$canary")" "id=node1-p2 id=node2-p2 " "canary client" &&
	assert_eq "$(ids_of "$other")" "id=node1-p1 id=node2-p1 " "other client" &&
	assert_contains "$(tb ctl node1 -- describe service default/echo)" "clients in pod default/node1-p3" && t_pass
remove "$SRC_VS"

t_begin "sourceNamespace and port matches"
NSVS="apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo}
spec:
  hosts: [echo]
  tcp:
  - match: [{sourceNamespace: other}]
    route: [{destination: {host: echo, subset: v1}}]
  - match: [{port: 80, sourceNamespace: default}]
    route: [{destination: {host: echo, subset: v2}}]"
apply_both "$NSVS" >/dev/null
out=$(probe node1-p4 --tcp --count 20 --keep-going $VIP 80)
assert_eq "$(ids_of "$out")" "id=node1-p2 id=node2-p2 " "default-namespace client on port 80" && t_pass
remove "$NSVS"

t_begin "ROUND_ROBIN: 400 connections, exactly 100 per backend"
apply_both "$SUBSETS
  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}" >/dev/null
out=$(probe node1-p4 --tcp --count 400 --interval-ms 0 --keep-going $VIP 80)
for pod in node1-p1 node1-p2 node2-p1 node2-p2; do
	assert_eq "$(count_id "$pod" "$out")" 100 "$pod" || break
done
t_ok && t_pass

t_begin "LEAST_REQUEST: new connections go to the backend without long ones"
apply_both "$SUBSETS
  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}" >/dev/null
svc_with node1-p1 >"$T_TMP/one.yaml"
apply "$T_TMP/one.yaml" >/dev/null
# Ten long connections, all to node1-p1 (the only backend); they stay open.
tb_bg node1-p4 "$T_TMP/hold.log" -- python3 -c "
import socket, sys, time
c = [socket.create_connection(('$VIP', 80)) for _ in range(10)]
print('held', len(c), flush=True)
time.sleep(30)
"
wait_until 10 grep -q held "$T_TMP/hold.log"
svc_with node1-p1 node2-p1 >"$T_TMP/two.yaml"
apply "$T_TMP/two.yaml" >/dev/null
out=$(probe node1-p4 --tcp --count 20 --keep-going $VIP 80)
assert_contains "$out" "summary ok=20 err=0" && assert_eq "$(ids_of "$out")" "id=node2-p1 " && t_pass
kill "${T_BG_PIDS[-1]}" 2>/dev/null
tb exec node1-p4 -- pkill -f "time.sleep(30)" || true
apply "$T_TMP/svc.yaml" >/dev/null

t_begin "connectionPool.tcp.maxConnections: the connection over the limit is refused"
apply_both "$SUBSETS
  trafficPolicy: {connectionPool: {tcp: {maxConnections: 3}}}" >/dev/null
out=$(tb exec node2-p4 -- python3 -c "
import socket, errno
held = [socket.create_connection(('$VIP', 80)) for _ in range(3)]
for s in held: s.recv(64)
try:
    socket.create_connection(('$VIP', 80)); print('4th connected')
except OSError as e:
    print('4th', errno.errorcode[e.errno])
held.pop().close()
import time; time.sleep(0.2)
s = socket.create_connection(('$VIP', 80)); print('after close', s.recv(64).split(b'\n')[0].decode())
" 2>&1)
assert_contains "$out" "4th ECONNREFUSED" && assert_contains "$out" "after close id=" && t_pass
apply_both "$SUBSETS" >/dev/null

t_begin "consistentHash useSourceIp: each client sticks to one backend"
apply_both "$SUBSETS
  trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true}}}" >/dev/null
ok=1
for c in node1-p3 node1-p4 node2-p3 node2-p4; do
	out=$(probe "$c" --tcp --count 20 --keep-going $VIP 80)
	n=$(ids_of "$out" | wc -w)
	[ "$n" = 1 ] || { ok=0; t_fail "$c reached $n backends: $(ids_of "$out")"; break; }
	declare -g "first_${c//-/_}=$(ids_of "$out")"
done
[ $ok = 1 ] && t_pass

t_begin "consistentHash: removing a backend moves only its clients"
gone=$(tr -d ' ' <<<"$first_node1_p3" | sed 's/id=//')
keep=()
for p in node1-p1 node1-p2 node2-p1 node2-p2; do [ "$p" != "$gone" ] && keep+=("$p"); done
svc_with "${keep[@]}" >"$T_TMP/three.yaml"
apply "$T_TMP/three.yaml" >/dev/null
for c in node1-p4 node2-p3 node2-p4; do
	v="first_${c//-/_}"
	before=${!v}
	[ "$before" = "id=$gone " ] && continue
	out=$(probe "$c" --tcp --count 10 --keep-going $VIP 80)
	assert_eq "$(ids_of "$out")" "$before" "$c keeps its backend" || break
done
out=$(probe node1-p3 --tcp --count 10 --keep-going $VIP 80)
assert_not_contains "$out" "id=$gone " "the moved client" && assert_eq "$(ids_of "$out" | wc -w)" 1 && t_pass
apply "$T_TMP/svc.yaml" >/dev/null
apply_both "$SUBSETS" >/dev/null

t_begin "sessionAffinity ClientIP: a client sticks for the timeout, then is free again"
sed 's/^spec:$/spec:\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 1}}/' "$T_TMP/svc.yaml" >"$T_TMP/aff.yaml"
apply "$T_TMP/aff.yaml" >/dev/null
out=$(probe node1-p4 --tcp --count 30 --interval-ms 5 --keep-going $VIP 80)
udp=$(probe node1-p4 --udp-unconnected --count 30 --interval-ms 5 --keep-going $VIP 53)
assert_eq "$(ids_of "$out" | wc -w)" 1 "TCP within the timeout" &&
	assert_eq "$(ids_of "$udp" | wc -w)" 1 "UDP within the timeout"
# After the timeout a new pick is made: over 6 idle gaps of 1.3 s, 4 backends, the
# chance of getting the same one every time is 1/1024.
seen=""
for _ in 1 2 3 4 5 6; do
	sleep 1.3
	seen="$seen $(ids_of "$(probe node1-p4 --tcp $VIP 80)")"
done
assert_ne "$(tr ' ' '\n' <<<"$seen" | sort -u | grep -c id=)" 1 "released after the timeout: $seen" && t_pass
apply "$T_TMP/svc.yaml" >/dev/null

t_begin "internalTrafficPolicy Local: each node's clients reach only that node's endpoints"
sed 's/^spec:$/spec:\n  internalTrafficPolicy: Local/' "$T_TMP/svc.yaml" >"$T_TMP/local.yaml"
apply "$T_TMP/local.yaml" >/dev/null
o1=$(probe node1-p4 --tcp --count 30 --keep-going $VIP 80)
o2=$(probe node2-p4 --tcp --count 30 --keep-going $VIP 80)
assert_eq "$(ids_of "$o1")" "id=node1-p1 id=node1-p2 " "node1" &&
	assert_eq "$(ids_of "$o2")" "id=node2-p1 id=node2-p2 " "node2" && t_pass
apply "$T_TMP/svc.yaml" >/dev/null

t_begin "a connected UDP client survives the removal of its backend"
rm -f "$T_TMP/go"
tb_bg node1-p4 "$T_TMP/udp.log" -- python3 -c "
import socket, os, time, errno
def dial():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.connect(('$VIP', 53)); return s
s = dial(); s.send(b'q'); first = s.recv(100).split(b'\n')[0].decode()
print('first', first, flush=True)
while not os.path.exists('$T_TMP/go'): time.sleep(0.05)
try:
    s.send(b'q'); print('same socket', s.recv(100).split(b'\n')[0].decode(), flush=True)
except OSError as e:
    print('error', errno.errorcode.get(e.errno, e.errno), flush=True)
    s = dial(); s.send(b'q'); print('redialed', s.recv(100).split(b'\n')[0].decode(), flush=True)
"
wait_until 10 grep -q '^first' "$T_TMP/udp.log"
first=$(awk '/^first/ { sub("id=", "", $2); print $2 }' "$T_TMP/udp.log")
keep=()
for p in node1-p1 node1-p2 node2-p1 node2-p2; do [ "$p" != "$first" ] && keep+=("$p"); done
svc_with "${keep[@]}" >"$T_TMP/nofirst.yaml"
apply "$T_TMP/nofirst.yaml" >/dev/null
touch "$T_TMP/go"
wait_until 10 grep -qE '^(same socket|redialed)' "$T_TMP/udp.log"
log=$(cat "$T_TMP/udp.log")
# A destroyed UDP socket is disconnected with ECONNABORTED pending: send() then fails
# with EDESTADDRREQ, recv() with ECONNABORTED.
assert_match "$log" "error (ECONNABORTED|EDESTADDRREQ)" "the socket was destroyed" &&
	assert_contains "$log" "redialed id=" && assert_not_contains "$log" "redialed id=$first" &&
	assert_match "$(tb ctl node1 -- status)" "udp_socket_destroyed +[1-9]" && t_pass
apply "$T_TMP/svc.yaml" >/dev/null

t_begin "get destinationrules and virtualservices"
apply_both "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: echo}
spec:
  hosts: [echo]
  tcp: [{route: [{destination: {host: echo, subset: v1}, weight: 70}, {destination: {host: echo, subset: v2}, weight: 30}]}]" >/dev/null
dr=$(tb ctl node1 -- get destinationrules) && vs=$(tb ctl node1 -- get virtualservices) &&
	d=$(tb ctl node1 -- describe service default/echo)
assert_contains "$dr" "v1,v2" && assert_contains "$vs" "echo" &&
	assert_contains "$d" " 70% -> default/echo:80 subset v1" && assert_contains "$d" " 30% -> default/echo:80 subset v2" &&
	t_pass

COMPAT="$REPO/../shared/compat/istio-samples"
t_begin "Bookinfo destination-rule-all.yaml applies"
if [ -f "$COMPAT/bookinfo-networking-destination-rule-all.yaml" ]; then
	out=$(tb ctl node1 -- apply -f "$COMPAT/bookinfo-networking-destination-rule-all.yaml" 2>&1)
	assert_eq $? 0 "$out" && assert_contains "$out" "destinationrule/default/reviews created" && t_pass
else
	t_skip "../shared/compat is not beside the repository"
fi

t_begin "HTTP routes are refused by name while sluice-proxy is not enabled"
printf 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\nspec:\n  hosts: [echo]\n  http:\n  - route: [{destination: {host: echo}}]\n' >"$T_TMP/http.yaml"
out=$(tb ctl node1 -- apply -f "$T_TMP/http.yaml" 2>&1)
assert_ne $? 0 && assert_match "$out" "http.yaml:6:[0-9]+: VirtualService default/web: spec\.http \(HTTP routes\) needs sluice-proxy" && t_pass
