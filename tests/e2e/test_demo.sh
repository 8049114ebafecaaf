#!/usr/bin/env bash
# The README's first command, run as a user would, checked for what it shows: real
# clients (curl, redis-cli, dig) answered by real servers through ClusterIPs from both
# nodes; then the L7 step through each node's sluice-proxy (a header route, a weighted
# split between subsets, an AuthorizationPolicy's 403, the agent's Istio request
# metrics); and nothing left behind afterwards.
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

t_begin "L7: examples/demo-l7/ applies on both agents (warnings name dir/file, no //)"
assert_eq "$(grep -c '^virtualservice/default/web created$' <<<"$out")" 2 &&
	assert_eq "$(grep -c '^authorizationpolicy/default/web-read-only created$' <<<"$out")" 2 &&
	assert_contains "$out" "examples/demo-l7/authorizationpolicy.yaml:" &&
	assert_not_contains "$out" "examples/demo-l7//" && t_pass

t_begin "L7: the user jason's 4 requests are all answered by v2 (node2-p1)"
assert_eq "$(grep -c "curl -H 'end-user: jason' http://10.96.0.10/  -> hello from nginx in pod node2-p1$" <<<"$out")" 4 \
	"$(grep 'end-user: jason' <<<"$out")" && t_pass

# The split is random (80/20): only that each of the 20 got an nginx answer is certain.
t_begin "L7: the 20 plain requests are each answered by nginx (counted per pod)"
counts=$(awk '/done \| sort \| uniq -c$/ { on = 1; next } /curl -X POST/ { on = 0 } on' <<<"$out")
assert_eq "$(grep -cvE '^ *[0-9]+ hello from nginx in pod node[12]-p1$' <<<"$counts")" 0 "$counts" &&
	assert_eq "$(awk '{ s += $1 } END { print s + 0 }' <<<"$counts")" 20 "$counts" && t_pass

t_begin "L7: POST is denied by the AuthorizationPolicy (403, RBAC in the access log)"
assert_contains "$out" "curl -X POST http://10.96.0.10/  -> 403 RBAC: access denied" &&
	assert_contains "$out" '"POST / HTTP/1.1" 403 RBAC ' && t_pass

t_begin "L7: node1's agent serves istio_requests_total for web with codes 200 and 403"
m=$(grep -E '^istio_requests_total\{.*destination_service="web\.default\.svc\.cluster\.local"' <<<"$out")
assert_contains "$m" 'response_code="200"' "metrics lines" &&
	assert_contains "$m" 'response_code="403",response_flags="RBAC"' "metrics lines" && t_pass

t_begin "the demo leaves nothing behind"
assert_eq "$(ip netns list | grep -c '^demo-')" 0 "network namespaces" &&
	assert_eq "$(ls -d /sys/fs/bpf/sluice-testbed-demo 2>/dev/null)" "" "pins" &&
	assert_eq "$(find /sys/fs/cgroup -maxdepth 3 -name 'sluice-testbed-demo' 2>/dev/null)" "" "cgroups" &&
	assert_eq "$(pgrep -f 'sluiced --node node[0-9] --cgroup .*sluice-testbed-demo')" "" "agents" &&
	assert_eq "$(pgrep -f 'sluice-proxy .*--control /run/sluice-testbed/demo/')" "" "proxies" && t_pass
