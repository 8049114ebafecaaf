#!/usr/bin/env bash
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# The testbed itself: namespaces, addressing, routing, cgroups, generated objects,
# agent start/stop and cleanup. Runs without a real agent (--no-agent, or a fake one).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools sl-echo sl-probe
require_cmd nsenter ip

CG2=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)

# Everything a testbed named $1 can leave behind; prints what is left.
leftovers() {
	local n=$1
	ip netns list | awk '{ print $1 }' | grep -E "^$n-(fabric|node[0-9]+(-p[0-9]+)?)\$" || true
	[ -e "$CG2/sluice-testbed-$n" ] && echo "$CG2/sluice-testbed-$n"
	[ -e "/sys/fs/bpf/sluice-testbed-$n" ] && echo "/sys/fs/bpf/sluice-testbed-$n"
	[ -e "/run/sluice-testbed/$n" ] && echo "/run/sluice-testbed/$n"
	return 0
}

# ---------------------------------------------------------------------------
t_begin "up 2 nodes x 2 pods (no agent)"
if out=$(tb_up --nodes 2 --pods 2 --no-agent 2>&1); then
	t_pass
else
	t_fail "up failed: $out"
	exit 1
fi
tb_env

t_begin "env file describes the testbed"
assert_eq "$TB_NODES" "node1 node2" &&
	assert_eq "$TB_PODS" "node1-p1 node1-p2 node2-p1 node2-p2" &&
	assert_eq "$TB_POD_node2_p1_IP4" "10.244.2.11" &&
	assert_eq "$TB_POD_node2_p1_IP6" "fd00:10:244:2::b" &&
	assert_eq "$TB_POD_node1_p2_NETNS" "$TB_NAME-node1-p2" &&
	assert_match "$TB_POD_node1_p1_UID" '^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' &&
	assert_ne "$TB_POD_node1_p1_UID" "$TB_POD_node1_p2_UID" "uids differ" &&
	assert_eq "$(tb ip node1-p2)" "10.244.1.12" &&
	assert_eq "$(tb ip -6 node1-p2)" "fd00:10:244:1::c" &&
	t_pass

t_begin "exec passes stdin, stdout and exit code"
out=$(echo hello | tb exec node1-p1 -- cat)
assert_eq "$out" "hello"
tb exec node2-p2 -- sh -c 'exit 7'
assert_eq "$?" 7 "exit code" && t_pass

t_begin "pod and node processes land in their cgroups"
for pod in $TB_PODS; do
	v=${pod/-/_}
	uidvar="TB_POD_${v}_UID"
	node=${pod%%-*}
	want="0::/sluice-testbed-$TB_NAME/$node/kubepods/pod${!uidvar}"
	got=$(tb exec "$pod" -- cat /proc/self/cgroup | grep '^0::')
	assert_eq "$got" "$want" "$pod cgroup" || break
	cgvar="TB_POD_${v}_CGROUP"
	assert_eq "$CG2${want#0::}" "${!cgvar}" "env cgroup path" || break
done
got=$(tb exec node2 -- cat /proc/self/cgroup | grep '^0::')
assert_eq "$got" "0::/sluice-testbed-$TB_NAME/node2/system" "node cgroup" && t_pass

t_begin "pods and nodes see the right network namespace"
for pod in node1-p1 node2-p2; do
	want=$(stat -L -c %i "/run/netns/$TB_NAME-$pod")
	got=$(tb exec "$pod" -- stat -L -c %i /proc/self/ns/net)
	assert_eq "$got" "$want" "$pod netns inode" || break
done
assert_ne "$(stat -L -c %i /proc/self/ns/net)" "$want" "not the root netns" && t_pass

t_begin "pod interface is Calico-style"
out=$(tb exec node1-p1 -- ip -4 route show default)
assert_contains "$out" "default via 169.254.1.1 dev eth0 onlink"
out=$(tb exec node1-p1 -- ip -6 route show default)
assert_contains "$out" "default via fe80::1 dev eth0"
out=$(tb exec node1-p1 -- ip -br addr show dev eth0)
assert_contains "$out" "10.244.1.11/32" && assert_contains "$out" "fd00:10:244:1::b/128"
out=$(tb exec node1 -- cat /proc/sys/net/ipv4/conf/lxc1p1/proxy_arp)
assert_eq "$out" 1 "proxy_arp"
out=$(tb exec node1 -- ip -6 addr show dev lxc1p1)
assert_contains "$out" "fe80::1/64"
out=$(tb exec node1 -- cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding | tr '\n' ' ')
assert_eq "$out" "1 1 " "node forwarding"
t_pass

# ---------------------------------------------------------------------------
t_begin "start sl-echo in every pod"
ok=1
for pod in $TB_PODS; do
	start_echo "$pod" || ok=0
done
if [ $ok -eq 1 ]; then t_pass; else t_fail "an sl-echo did not start"; fi

# check_path FROM TO FAMILY MODE
check_path() {
	local from=$1 to=$2 fam=$3 mode=$4 ip want key=peer
	if [ "$fam" = 6 ]; then ip=$(tb ip -6 "$to"); else ip=$(tb ip "$to"); fi
	want=$ip
	[ "$fam" = mapped ] && want="::ffff:$ip"
	[ "$mode" = --udp-unconnected ] && key=from
	out=$(probe "$from" "$mode" --family "$fam" --payload "hello-$from" "$ip" 8080)
	assert_eq "$out" "ok id=$to $key=$want:8080" "$from -> $to $mode family $fam"
}

for pair in "node1-p1 node1-p2 same-node" "node1-p1 node2-p2 cross-node" "node2-p1 node1-p1 cross-node"; do
	read -r from to kind <<<"$pair"
	for fam in 4 6 mapped; do
		for mode in --tcp --udp-connected --udp-unconnected; do
			t_begin "$kind $from -> $to ${mode#--} family $fam"
			check_path "$from" "$to" "$fam" "$mode" && t_pass
		done
	done
done

t_begin "many attempts in a row"
out=$(probe node2-p2 --count 20 --keep-going 10.244.1.12 8080 | tail -n 1)
assert_eq "$out" "summary ok=20 err=0" && t_pass

t_begin "refused port reports ECONNREFUSED across nodes"
out=$(probe node1-p1 10.244.2.12 9999)
assert_match "$out" '^err ECONNREFUSED ' && t_pass

t_begin "node reaches its pods and the other node's pods"
out=$(tb exec node1 -- "$TOOLS/sl-probe" 10.244.2.11 8080 2>&1)
assert_eq "$out" "ok id=node2-p1 peer=10.244.2.11:8080" &&
	out=$(tb exec node2 -- "$TOOLS/sl-probe" --family 6 fd00:10:244:2::c 8080 2>&1) &&
	assert_eq "$out" "ok id=node2-p2 peer=fd00:10:244:2::c:8080" && t_pass

# ---------------------------------------------------------------------------
# Route lookups only: nothing is ever sent to an address outside the testbed.
t_begin "no route off the machine"
for node in $TB_NODES; do
	out=$(tb exec "$node" -- ip -4 route show default)
	assert_eq "$out" "" "$node IPv4 default route" || break
	out=$(tb exec "$node" -- ip -6 route show default)
	assert_eq "$out" "" "$node IPv6 default route" || break
	out=$(tb exec "$node" -- ip route get 8.8.8.8 2>&1)
	assert_contains "$out" "unreachable" "$node route get" || break
	out=$(tb exec "$node" -- ip -6 route get 2001:4860:4860::8888 2>&1)
	assert_contains "$out" "unreachable" "$node route get v6" || break
done
if t_ok; then
	out=$(tb exec node1-p1 -- ip route get 8.8.8.8 2>&1)
	assert_contains "$out" "via 169.254.1.1 dev eth0" "pod goes via its node"
fi
if t_ok; then
	out=$(ip -n "$TB_NAME-fabric" -o addr show | grep -v ' lo ' | grep -v ' fe80::' || true)
	assert_eq "$out" "" "fabric has no addresses"
	out=$(ip -n "$TB_NAME-fabric" route show)
	assert_eq "$out" "" "fabric has no routes"
fi
t_pass

# ---------------------------------------------------------------------------
t_begin "pods output is well-formed YAML with the right IPs"
if require_cmd python3 && python3 -c 'import yaml' 2>/dev/null; then
	out=$(tb pods --label node1-p1:app=web --label tier=x --sa node1-p1=websa 2>&1 | python3 -c '
import sys, yaml
docs = list(yaml.safe_load_all(sys.stdin))
print(len(docs))
for d in docs:
    m, s, st = d["metadata"], d["spec"], d["status"]
    assert d["apiVersion"] == "v1" and d["kind"] == "Pod", d
    assert m["namespace"] == "default"
    assert m["labels"]["sluice.dev/pod"] == m["name"]
    assert st["podIPs"][0]["ip"] == st["podIP"]
    print(m["name"], m["uid"], s["nodeName"], s["serviceAccountName"], st["podIP"],
          st["podIPs"][1]["ip"], m["labels"].get("app", "-"), m["labels"]["tier"])
' 2>&1)
	exp="4
node1-p1 $TB_POD_node1_p1_UID node1 websa 10.244.1.11 fd00:10:244:1::b web x
node1-p2 $TB_POD_node1_p2_UID node1 default 10.244.1.12 fd00:10:244:1::c - x
node2-p1 $TB_POD_node2_p1_UID node2 default 10.244.2.11 fd00:10:244:2::b - x
node2-p2 $TB_POD_node2_p2_UID node2 default 10.244.2.12 fd00:10:244:2::c - x"
	assert_eq "$out" "$exp" && t_pass
else
	t_skip "python3 yaml not available"
fi

t_begin "endpointslice output is well-formed YAML"
if require_cmd python3 && python3 -c 'import yaml' 2>/dev/null; then
	out=$(tb endpointslice --service prod/web --port http:8080 --port :53/UDP --family 6 \
		--not-ready node1-p2 --terminating node2-p1 node1-p1 node1-p2 node2-p1 2>&1 | python3 -c '
import sys, yaml
docs = list(yaml.safe_load_all(sys.stdin))
assert len(docs) == 1
d = docs[0]
assert d["apiVersion"] == "discovery.k8s.io/v1" and d["kind"] == "EndpointSlice"
m = d["metadata"]
print(m["name"], m["namespace"], m["labels"]["kubernetes.io/service-name"], d["addressType"])
for e in d["endpoints"]:
    c, r = e["conditions"], e["targetRef"]
    print(",".join(e["addresses"]), c["ready"], c["serving"], c["terminating"], e["nodeName"],
          r["kind"], r["namespace"], r["name"], r["uid"])
for p in d["ports"]:
    print(repr(p["name"]), p["port"], p["protocol"])
' 2>&1)
	exp="web-ipv6 prod web IPv6
fd00:10:244:1::b True True False node1 Pod default node1-p1 $TB_POD_node1_p1_UID
fd00:10:244:1::c False False False node1 Pod default node1-p2 $TB_POD_node1_p2_UID
fd00:10:244:2::b False True True node2 Pod default node2-p1 $TB_POD_node2_p1_UID
'http' 8080 TCP
'' 53 UDP"
	assert_eq "$out" "$exp"
	out=$(tb endpointslice --service default/db --slice-name db-1 --port db:5432 node2-p2 |
		python3 -c 'import sys, yaml; d = yaml.safe_load(sys.stdin); print(d["metadata"]["name"], d["addressType"], d["endpoints"][0]["addresses"][0], d["ports"][0]["protocol"])' 2>&1)
	assert_eq "$out" "db-1 IPv4 10.244.2.12 TCP" && t_pass
else
	t_skip "python3 yaml not available"
fi

t_begin "bad arguments are clear errors"
out=$(tb endpointslice --service web --port http:80 node1-p1 2>&1)
rc=$?
assert_ne "$rc" 0 "rc" && assert_contains "$out" "NS/SVC"
out=$(tb exec node9-p1 -- true 2>&1)
rc=$?
assert_ne "$rc" 0 && assert_contains "$out" "does not exist"
out=$(tb up --no-agent 2>&1)
rc=$?
assert_ne "$rc" 0 && assert_contains "$out" "already exists"
t_pass

t_begin "status lists nodes and pods"
out=$(tb status)
assert_contains "$out" "node2-p2" && assert_contains "$out" "10.244.2.12" && t_pass

# ---------------------------------------------------------------------------
t_begin "down removes everything"
out=$(tb down 2>&1)
rc=$?
assert_eq "$rc" 0 "down rc ($out)" && assert_eq "$(leftovers "$TB_NAME")" "" "left over"
out=$(tb down 2>&1)
assert_eq "$?" 0 "second down" && t_pass

t_begin "down after up was killed midway"
"$TESTBED" up --name "$TB_NAME" --nodes 2 --pods 3 --no-agent >"$T_TMP/up.log" 2>&1 &
uppid=$!
wait_until 20 test -e "/run/netns/$TB_NAME-node1-p2"
kill -KILL "$uppid" 2>/dev/null
wait "$uppid" 2>/dev/null
partial=$(leftovers "$TB_NAME")
assert_ne "$partial" "" "something was created before the kill"
out=$(tb down 2>&1)
assert_eq "$?" 0 "down rc ($out)" && assert_eq "$(leftovers "$TB_NAME")" "" "left over" && t_pass

t_begin "up interrupted by SIGTERM cleans up after itself"
"$TESTBED" up --name "$TB_NAME" --nodes 2 --pods 3 --no-agent >"$T_TMP/up.log" 2>&1 &
uppid=$!
wait_until 20 test -e "/run/netns/$TB_NAME-node1-p2"
kill -TERM "$uppid" 2>/dev/null
wait "$uppid"
rc=$?
assert_ne "$rc" 0 "up rc" && assert_eq "$(leftovers "$TB_NAME")" "" "left over" && t_pass
tb down >/dev/null 2>&1

# ---------------------------------------------------------------------------
# The agent path, with a stand-in for sluiced (the real one is tested elsewhere).
FAKE="$T_TMP/fakebin"
mkdir -p "$FAKE"
cat >"$FAKE/sluiced" <<'EOF'
#!/bin/sh
# stand-in sluiced: records its arguments, serves the socket with socat
echo "fake-sluiced $*" >> "$FAKE_MARK"
sock=
while [ $# -gt 0 ]; do
	case $1 in
	--socket) sock=$2; shift ;;
	--cleanup) echo "cleanup done" >> "$FAKE_MARK"; exit 0 ;;
	--die) echo "fake agent: boom" >&2; exit 3 ;;
	esac
	shift
done
echo "args: $(cat /proc/self/cgroup | grep '^0::')"
exec socat UNIX-LISTEN:"$sock",fork SYSTEM:'echo fake-agent'
EOF
cat >"$FAKE/sluicectl" <<'EOF'
#!/bin/sh
echo "fake-sluicectl $*"
EOF
chmod +x "$FAKE/sluiced" "$FAKE/sluicectl"
export FAKE_MARK="$T_TMP/fake.mark"

t_begin "agents start in node netns and system cgroup (fake sluiced)"
if require_cmd socat; then
	out=$(SLUICE_BIN=$FAKE tb_up --nodes 2 --pods 1 -- --extra-flag x 2>&1)
	rc=$?
	assert_eq "$rc" 0 "up with agents: $out"
	if t_ok; then
		tb_env
		pid=$TB_NODE_node2_AGENT_PID
		assert_match "$pid" '^[0-9]+$' "agent pid"
		assert_eq "$(grep '^0::' "/proc/$pid/cgroup")" "0::/sluice-testbed-$TB_NAME/node2/system" "agent cgroup"
		assert_eq "$(stat -L -c %i "/proc/$pid/ns/net")" "$(stat -L -c %i "/run/netns/$TB_NAME-node2")" "agent netns"
		assert_contains "$(cat "$FAKE_MARK")" "fake-sluiced --node node2 --cgroup $CG2/sluice-testbed-$TB_NAME/node2 --bpffs /sys/fs/bpf/sluice-testbed-$TB_NAME/node2 --socket /run/sluice-testbed/$TB_NAME/node2/sluiced.sock --state-dir /run/sluice-testbed/$TB_NAME/node2/state --extra-flag x"
		assert_contains "$(socat - UNIX-CONNECT:"$TB_NODE_node1_SOCKET" </dev/null 2>&1)" "fake-agent" "socket served"
		assert_eq "$(SLUICE_BIN=$FAKE tb ctl node1 -- get services -o json)" "fake-sluicectl --socket /run/sluice-testbed/$TB_NAME/node1/sluiced.sock get services -o json"
		assert_contains "$(tb status)" "agent pid $pid running"
	fi
	: >"$FAKE_MARK"
	out=$(SLUICE_BIN=$FAKE tb down 2>&1)
	assert_eq "$?" 0 "down: $out"
	assert_eq "$(grep -c 'cleanup done' "$FAKE_MARK")" 2 "cleanup ran per node"
	assert_contains "$(cat "$FAKE_MARK")" "--cleanup --node node1 --cgroup $CG2/sluice-testbed-$TB_NAME/node1 --bpffs /sys/fs/bpf/sluice-testbed-$TB_NAME/node1 --socket /run/sluice-testbed/$TB_NAME/node1/sluiced.sock --state-dir /run/sluice-testbed/$TB_NAME/node1/state"
	if kill -0 "${pid:-0}" 2>/dev/null; then t_fail "agent still alive"; fi
	assert_eq "$(leftovers "$TB_NAME")" "" "left over" && t_pass
fi

t_begin "an agent that dies at start fails up with its log, and up cleans up"
out=$(SLUICE_BIN=$FAKE tb_up --nodes 2 --pods 1 -- --die 2>&1)
rc=$?
assert_ne "$rc" 0 "up rc" && assert_contains "$out" "fake agent: boom" &&
	assert_eq "$(leftovers "$TB_NAME")" "" "left over" && t_pass

t_begin "up without an agent binary fails clearly"
out=$(SLUICE_BIN=$T_TMP/nonexistent tb_up --nodes 1 --pods 1 2>&1)
rc=$?
assert_ne "$rc" 0 && assert_contains "$out" "no agent binary" &&
	assert_eq "$(leftovers "$TB_NAME")" "" "left over" && t_pass
