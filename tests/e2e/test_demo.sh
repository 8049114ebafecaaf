#!/usr/bin/env bash
# The README's first command, run as a user would, checked for what it shows: real
# clients (curl, redis-cli, dig) answered by real servers through ClusterIPs from both
# nodes, and nothing left behind afterwards.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_cmd curl redis-cli redis-server dig dnsmasq nginx

t_begin "scripts/demo runs to the end"
out=$("$REPO/scripts/demo" 2>&1)
rc=$?
assert_eq "$rc" 0 "exit status; output: $(tail -20 <<<"$out")" && assert_contains "$out" "Demo done" && t_pass

t_begin "curl reaches nginx through the IPv4 and IPv6 ClusterIPs from both nodes"
assert_eq "$(grep -c 'curl http://10.96.0.10/  -> hello from nginx in pod node[12]-p1' <<<"$out")" 8 &&
	assert_eq "$(grep -c 'curl -6 http://\[fd00:10:96::a\]/  -> hello from nginx in pod node[12]-p1' <<<"$out")" 2 &&
	t_pass

t_begin "redis-cli writes on one node and reads on the other through the ClusterIP"
assert_contains "$out" 'set greeting "hello from node1"  -> OK' &&
	assert_contains "$out" "get greeting  -> hello from node1" && t_pass

t_begin "dig gets answers over UDP and TCP, IPv4 and IPv6 ClusterIPs, from both nodes"
assert_eq "$(grep -c 'web.default.svc.cluster.local  -> 10.96.0.10$' <<<"$out")" 2 &&
	assert_eq "$(grep -c 'web.default.svc.cluster.local AAAA  -> fd00:10:96::a$' <<<"$out")" 2 && t_pass

t_begin "the demo leaves nothing behind"
assert_eq "$(ip netns list | grep -c '^demo-')" 0 "network namespaces" &&
	assert_eq "$(ls -d /sys/fs/bpf/sluice-testbed-demo 2>/dev/null)" "" "pins" &&
	assert_eq "$(find /sys/fs/cgroup -maxdepth 3 -name 'sluice-testbed-demo' 2>/dev/null)" "" "cgroups" &&
	assert_eq "$(pgrep -f 'sluiced --node node[0-9] --cgroup .*sluice-testbed-demo')" "" "agents" && t_pass
