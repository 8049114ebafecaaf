#!/usr/bin/env bash
# The L7 handoff, end to end, with an unmodified transparent proxy in sluice-proxy's
# place (sl-origdst: it learns where a client wanted to go only from
# getsockopt(SO_ORIGINAL_DST)):
#  - connections to a Service with VirtualService http routes go to the node's proxy;
#    the client's getpeername() still shows the VIP; the proxy's SO_ORIGINAL_DST names
#    the VIP and port, over IPv4, IPv6 and IPv4-mapped IPv6;
#  - a Service without L7 configuration keeps the kernel-only path (no proxy);
#  - the proxy's own connections to the VIP are never steered back to it, while a
#    workload with the same uid, or one that sets a socket mark, still is;
#  - workloads cannot dial the proxy's listener or its admin port themselves;
#  - without a proxy configured, L7 configuration is refused by name.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo sl-probe sl-origdst
require_cmd /usr/bin/python3

tb_up --nodes 1 --pods 2 --no-agent >"$T_TMP/up.log" 2>&1 || {
	cat "$T_TMP/up.log"
	exit 1
}
tb_env
CG2=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)
NODE_CG="$CG2/sluice-testbed-$TB_NAME/node1"
PROXY_CG="$NODE_CG/proxy"
NODE_IP4=10.255.0.1
NODE_IP6=fd00:10:255::1
mkdir -p "$PROXY_CG"

t_begin "without a proxy, an http route is refused by name and nothing changes"
tb agent node1 start >/dev/null 2>&1 || t_fail "agent did not start"
cat >"$T_TMP/vs.yaml" <<EOT
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web]
  http:
  - route:
    - destination: {host: web}
EOT
out=$(tb ctl node1 -- apply -f "$T_TMP/vs.yaml" 2>&1)
assert_contains "$out" "vs.yaml:6:3: " && assert_contains "$out" "sluice-proxy" &&
	assert_contains "$out" "nothing was applied" && t_pass
tb agent node1 stop >/dev/null 2>&1

t_begin "an agent with a proxy accepts the http route"
tb agent node1 start -- --proxy-addr "$NODE_IP4:15001" --proxy-addr6 "[$NODE_IP6]:15001" \
	--proxy-cgroup "$PROXY_CG" >/dev/null 2>&1 || t_fail "agent did not start"
{
	tb pods
	for svc in web plain; do
		vip4=$([ "$svc" = web ] && echo 10.96.7.1 || echo 10.96.7.2)
		vip6=$([ "$svc" = web ] && echo fd00:10:96::7:1 || echo fd00:10:96::7:2)
		cat <<EOT
---
apiVersion: v1
kind: Service
metadata: {name: $svc, namespace: default}
spec:
  clusterIPs: [$vip4, "$vip6"]
  ports: [{name: http, port: 80, targetPort: 8080}]
EOT
		for fam in 4 6; do
			echo "---"
			tb endpointslice --service "default/$svc" --family "$fam" --port http:8080/TCP node1-p2
		done
	done
	echo "---"
	cat "$T_TMP/vs.yaml"
} >"$T_TMP/cluster.yaml"
out=$(tb ctl node1 -- apply -f "$T_TMP/cluster.yaml" 2>&1)
assert_contains "$out" "virtualservice/default/web created" && t_pass

t_begin "L7 configuration the proxy does not apply is refused by the agent too, and nothing changes"
cat >"$T_TMP/vs-regex.yaml" <<EOT
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: plain, namespace: default}
spec:
  hosts: [plain]
  http:
  - match: [{uri: {regex: "/v[0-9]+/.*"}}]
    headers: {request: {set: {x-client: "%DOWNSTREAM_REMOTE_ADDRESS%"}}}
    route:
    - destination: {host: plain}
EOT
out=$(tb ctl node1 -- apply -f "$T_TMP/vs-regex.yaml" 2>&1)
got=$(tb ctl node1 -- get virtualservices 2>&1)
assert_contains "$out" "vs-regex.yaml:7:5: VirtualService default/plain: spec.http[0].headers.request.set.x-client: %VARIABLE% substitution is not applied" &&
	assert_contains "$out" "nothing was applied" && assert_not_contains "$got" "plain" && t_pass

start_echo node1-p2 --tcp 8080 || exit 1
# The stand-in proxy, in the proxy's cgroup on the node.
# shellcheck disable=SC2016 # $$ and $@ are for the inner shell
nsenter --net="/run/netns/$TB_NAME-node1" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' \
	sl "$PROXY_CG" "$TOOLS/sl-origdst" --port 15001 >"$T_TMP/proxy.log" 2>&1 &
T_BG_PIDS+=($!)
wait_until 10 grep -q '^listening' "$T_TMP/proxy.log" || exit 1

handoff() { # handoff FAMILY VIP
	local out
	out=$(probe node1-p1 --tcp --family "$1" --timeout-ms 2000 "$2" 80)
	if [ "$1" = 6 ]; then
		assert_contains "$out" "ok id=origdst:$2:80 peer=$2:80"
	elif [ "$1" = mapped ]; then
		assert_contains "$out" "ok id=origdst:$2:80 peer=::ffff:$2:80"
	else
		assert_contains "$out" "ok id=origdst:$2:80 peer=$2:80"
	fi
}
t_run "IPv4: the proxy learns the VIP from SO_ORIGINAL_DST, the client sees the VIP" handoff 4 10.96.7.1
t_run "IPv6: the same" handoff 6 fd00:10:96::7:1
t_run "IPv4-mapped IPv6: the same" handoff mapped 10.96.7.1

t_begin "a Service without L7 configuration keeps the kernel-only path"
out=$(probe node1-p1 --tcp --timeout-ms 2000 10.96.7.2 80)
assert_contains "$out" "ok id=node1-p2 peer=10.96.7.2:80" && t_pass

t_begin "the proxy's own connection to the VIP goes to the backend, not back to it"
# shellcheck disable=SC2016
out=$(nsenter --net="/run/netns/$TB_NAME-node1" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' \
	sl "$PROXY_CG" "$TOOLS/sl-probe" --tcp --timeout-ms 2000 10.96.7.1 80 2>&1)
assert_contains "$out" "ok id=node1-p2" && t_pass

t_begin "a workload with the proxy's uid and a socket mark is still steered"
out=$(tb exec node1-p1 -- /usr/bin/python3 - <<'EOF'
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0x539)
s.settimeout(2)
s.connect(("10.96.7.1", 80))
print(s.recv(100).decode().strip())
EOF
)
assert_contains "$out" "id=origdst:10.96.7.1:80" && t_pass

# An admin-port stand-in on every address of the node's namespace (sl-echo listens on
# [::]), in the proxy's cgroup, like sluice-proxy's --admin 127.0.0.1:15000.
# shellcheck disable=SC2016
nsenter --net="/run/netns/$TB_NAME-node1" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' \
	sl "$PROXY_CG" "$TOOLS/sl-echo" --id admin --tcp 15000 >"$T_TMP/admin.log" 2>&1 &
T_BG_PIDS+=($!)
wait_until 10 grep -q '^listening' "$T_TMP/admin.log" || exit 1
# in_node_as_pod CMD...: CMD in the node's network namespace but in pod node1-p1's
# cgroup (a workload sharing the host network, as hostNetwork pods and systemd
# services do).
in_node_as_pod() {
	# shellcheck disable=SC2016,SC2154 # for the inner shell; TB_POD_* come from tb_env
	nsenter --net="/run/netns/$TB_NAME-node1" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' \
		sl "$TB_POD_node1_p1_CGROUP" "$@"
}

t_begin "a workload cannot dial the proxy's listener directly (only steering reaches it)"
out4=$(probe node1-p1 --tcp --timeout-ms 2000 "$NODE_IP4" 15001)
out6=$(probe node1-p1 --tcp --family 6 --timeout-ms 2000 "$NODE_IP6" 15001)
assert_contains "$out4" "err EPERM" && assert_contains "$out6" "err EPERM" && t_pass

t_begin "a workload cannot reach the proxy's admin port, on its address or the node's loopback"
a=$(probe node1-p1 --tcp --timeout-ms 2000 "$NODE_IP4" 15000)
b=$(in_node_as_pod "$TOOLS/sl-probe" --tcp --timeout-ms 2000 127.0.0.1 15000 2>&1)
c=$(in_node_as_pod "$TOOLS/sl-probe" --tcp --family 6 --timeout-ms 2000 ::1 15000 2>&1)
assert_contains "$a" "err EPERM" && assert_contains "$b" "err EPERM" &&
	assert_contains "$c" "err EPERM" && t_pass

t_begin "the proxy itself reaches its admin port; a pod's own loopback port 15000 is its own"
# shellcheck disable=SC2016
a=$(nsenter --net="/run/netns/$TB_NAME-node1" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' \
	sl "$PROXY_CG" "$TOOLS/sl-probe" --tcp --timeout-ms 2000 127.0.0.1 15000 2>&1)
start_echo node1-p1 --tcp 15000 || exit 1
b=$(probe node1-p1 --tcp --timeout-ms 2000 127.0.0.1 15000)
assert_contains "$a" "ok id=admin" && assert_contains "$b" "ok id=node1-p1" && t_pass

t_begin "steering and SO_ORIGINAL_DST answers are counted"
out=$(tb ctl node1 -- status 2>&1)
assert_match "$out" "l7_steered_to_proxy +[1-9]" && assert_match "$out" "original_dst_answered +[1-9]" &&
	assert_match "$out" "proxy_port_refused +[1-9]" && t_pass
