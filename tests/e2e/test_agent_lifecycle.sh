#!/usr/bin/env bash
# The agent's life: SIGKILL and restart under load without a failed request, exactly one
# program per hook after many restarts, SIGTERM leaving the data plane in place, state
# kept across restarts, --config-dir applied and watched, --cleanup removing everything.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo sl-probe sl-old-link
require_cmd bpftool

tb_up --nodes 1 --pods 2 >"$T_TMP/up.log" 2>&1 || { cat "$T_TMP/up.log"; exit 1; }
tb_env
start_echo node1-p1 || exit 1
VIP=10.96.1.10
svc_yaml echo $VIP node1-p1 >"$T_TMP/svc.yaml"
tb ctl node1 -- apply -f "$T_TMP/svc.yaml" >/dev/null || exit 1
CG=$TB_NODE_node1_CGROUP

# one_per_hook: exactly one program at each of the 10 hooks of the node cgroup, and none
# at the per-packet cgroup skb hooks (UDP is counted at the pods' interfaces).
one_per_hook() {
	local out h
	out=$(bpftool cgroup show "$CG")
	for h in inet4_connect inet6_connect udp4_sendmsg udp6_sendmsg udp4_recvmsg udp6_recvmsg \
		inet4_getpeername inet6_getpeername sock_ops getsockopt; do
		assert_eq "$(grep -c "cgroup_$h " <<<"$out")" 1 "programs at $h" || return 1
	done
	for h in inet_egress inet_ingress; do
		assert_eq "$(grep -c "cgroup_$h " <<<"$out")" 0 "programs at $h" || return 1
	done
	assert_eq "$(grep -c ' sl_' <<<"$out")" 10 "programs in all" || return 1
}

# map_ids: the ids of the pinned maps (they must survive restarts unchanged).
map_ids() {
	local m
	for m in sl_svc sl_bset sl_udp_revnat sl_sock_orig sl_stats sl_meta; do
		bpftool map show pinned "$TB_NODE_node1_BPFFS/$m" | head -1 | cut -d: -f1
	done | tr '\n' ' '
}

t_begin "SIGKILL and restart, three times, while a client connects every 5 ms"
ids_before=$(map_ids)
tb_bg node1-p2 "$T_TMP/load.log" -- "$TOOLS/sl-probe" --tcp --count 600 --interval-ms 5 --keep-going $VIP 80
load=${T_BG_PIDS[-1]}
for i in 1 2 3; do
	sleep 0.3
	tb agent node1 kill || t_fail "kill $i"
	sleep 0.3
	tb agent node1 start || t_fail "start $i"
done
wait "$load"
assert_eq "$(tail -1 "$T_TMP/load.log")" "summary ok=600 err=0" && one_per_hook &&
	assert_eq "$(map_ids)" "$ids_before" "the same pinned maps" && t_pass

t_begin "the restarted agent adopted the state and accepts incremental applies"
out=$(tb ctl node1 -- apply -f "$T_TMP/svc.yaml")
assert_contains "$out" "service/default/echo unchanged"
svc_yaml echo2 10.96.1.11 node1-p1 >"$T_TMP/svc2.yaml"
out=$(tb ctl node1 -- apply -f "$T_TMP/svc2.yaml") && out2=$(probe node1-p2 --tcp 10.96.1.11 80)
assert_contains "$out" "service/default/echo2 created" && assert_contains "$out2" "ok id=node1-p1" &&
	assert_contains "$(tb ctl node1 -- status)" "adopted at start" && t_pass

t_begin "SIGTERM stops the agent; the data plane keeps serving; restart changes nothing"
tb agent node1 stop
out=$(probe node1-p2 --tcp --count 5 --keep-going $VIP 80)
assert_contains "$out" "summary ok=5 err=0" && one_per_hook
tb agent node1 start && assert_contains "$(tb ctl node1 -- get services)" "echo2" &&
	assert_eq "$(grep -c 'restored' "$TB_NODE_node1_LOG")" 4 "state restored at each start" && t_pass

t_begin "ten more restarts: still one program per hook"
for i in $(seq 10); do
	if [ $((i % 2)) = 0 ]; then tb agent node1 kill; else tb agent node1 stop; fi
	tb agent node1 start || t_fail "start $i"
done
one_per_hook && assert_contains "$(probe node1-p2 --tcp $VIP 80)" "ok id=node1-p1" && t_pass

t_begin "hooks an earlier sluiced pinned and this one does not use are detached at start"
tb agent node1 stop
for h in egress ingress; do
	tb exec node1 -- "$TOOLS/sl-old-link" --cgroup "$CG" --hook $h \
		--pin "$TB_NODE_node1_BPFFS/link_skb_$h" || t_fail "sl-old-link $h"
done
assert_eq "$(bpftool cgroup show "$CG" | grep -c 'cgroup_inet_\(e\|in\)gress .*sl_old_skb')" 2 "left attached"
tb agent node1 start
one_per_hook && assert_eq "$(find "$TB_NODE_node1_BPFFS" -name 'link_skb_*' | wc -l)" 0 "pins removed" &&
	assert_contains "$(cat "$TB_NODE_node1_LOG")" "link_skb_egress, left by an earlier sluiced" &&
	assert_contains "$(probe node1-p2 --tcp $VIP 80)" "ok id=node1-p1" && t_pass

t_begin "pinned maps are BTF-typed: bpftool prints named fields"
out=$(bpftool map dump pinned "$TB_NODE_node1_BPFFS/sl_svc")
assert_contains "$out" '"set_id":' && assert_contains "$out" '"addr":' && t_pass

t_begin "a second agent for the same node is refused"
out=$(tb exec node1 -- "$SLUICE_BIN/sluiced" --node node1 --cgroup "$CG" --bpffs "$TB_NODE_node1_BPFFS" \
	--socket "$T_TMP/other.sock" --state-dir "$TB_NODE_node1_STATE_DIR" 2>&1)
assert_ne $? 0 && assert_contains "$out" "another sluiced is running" && one_per_hook && t_pass

t_begin "--config-dir: applied at start, watched, objects of removed files deleted"
tb agent node1 stop
mkdir -p "$T_TMP/conf"
svc_yaml fromdir 10.96.1.20 node1-p1 >"$T_TMP/conf/a.yaml"
tb agent node1 start -- --config-dir "$T_TMP/conf"
assert_contains "$(probe node1-p2 --tcp 10.96.1.20 80)" "ok id=node1-p1" "applied at start"
svc_yaml fromdir2 10.96.1.21 node1-p1 >"$T_TMP/b.tmp"
mv "$T_TMP/b.tmp" "$T_TMP/conf/b.yaml"
wait_until 10 sh -c "'$TESTBED' ctl --name $TB_NAME node1 -- get services | grep -q fromdir2"
assert_contains "$(probe node1-p2 --tcp 10.96.1.21 80)" "ok id=node1-p1" "new file applied"
rm "$T_TMP/conf/a.yaml"
wait_until 10 sh -c "! '$TESTBED' ctl --name $TB_NAME node1 -- get services | grep -q 'fromdir '"
assert_not_contains "$(tb ctl node1 -- get services)" "fromdir " "removed file's Service deleted"
assert_not_contains "$(probe node1-p2 --tcp --timeout-ms 1000 10.96.1.20 80)" "ok id=" && t_pass

t_begin "a broken file in --config-dir changes nothing and is logged with its position"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec:\n  ports: [{port: 99999}]\n' \
	>"$T_TMP/conf/c.yaml"
wait_until 10 grep -q "c.yaml:5:" "$TB_NODE_node1_LOG"
assert_contains "$(grep 'config-dir not applied' "$TB_NODE_node1_LOG" | tail -1)" "c.yaml:5:" &&
	assert_contains "$(tb ctl node1 -- get services)" "fromdir2" &&
	assert_not_contains "$(tb ctl node1 -- get services)" " bad " && t_pass

t_begin "--cleanup removes programs, links, maps, socket and state"
tb agent node1 stop
out=$(tb exec node1 -- "$SLUICE_BIN/sluiced" --cleanup --node node1 --cgroup "$CG" \
	--bpffs "$TB_NODE_node1_BPFFS" --socket "$TB_NODE_node1_SOCKET" --state-dir "$TB_NODE_node1_STATE_DIR" 2>&1)
assert_eq $? 0 "$out" && assert_eq "$(bpftool cgroup show "$CG")" "" "programs detached" &&
	assert_eq "$(ls "$TB_NODE_node1_BPFFS" 2>/dev/null)" "" "pins removed" &&
	assert_eq "$(ls "$TB_NODE_node1_STATE_DIR" 2>/dev/null)" "" "state removed" &&
	assert_not_contains "$(probe node1-p2 --tcp --timeout-ms 1000 $VIP 80)" "ok id=" "VIP no longer served" &&
	t_pass
