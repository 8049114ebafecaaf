#!/usr/bin/env bash
# Telemetry: Istio's TCP metrics with Istio's labels on the agent's Prometheus endpoint,
# exact byte counts, live = opened - closed, a real Prometheus scraping it, the flow log
# with identities and drops, bpftool-readable maps, and counters that survive an agent
# restart mid-stream.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo sl-probe
require_cmd curl python3 promtool prometheus bpftool

tb_up --nodes 2 --pods 3 >"$T_TMP/up.log" 2>&1 || { cat "$T_TMP/up.log"; exit 1; }
tb_env
start_echo node2-p1 --tcp 8080 --udp 8080 || exit 1
VIP=10.96.4.10
{
	tb pods --label node2-p1:app=echo --label node2-p1:version=v1 --label node1-p3:app=client \
		--label node1-p3:version=v7
	cat <<EOT
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  clusterIP: $VIP
  ports: [{name: tcp, port: 80, targetPort: 8080}, {name: udp, port: 53, protocol: UDP, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: empty}
spec:
  clusterIP: 10.96.4.20
  ports: [{port: 80}]
---
EOT
	tb endpointslice --service default/echo --port tcp:8080/TCP --port udp:8080/UDP node2-p1
} >"$T_TMP/cfg.yaml"
for n in node1 node2; do tb ctl "$n" -- apply -f "$T_TMP/cfg.yaml" >/dev/null || exit 1; done

metrics() { tb exec "$1" -- curl -s --max-time 5 http://127.0.0.1:15020/metrics; }
# metric NODE NAME REPORTER: the value of NAME for the node1-p3 -> echo series.
metric() {
	metrics "$1" | awk -v n="$2" -v r="$3" '$0 ~ "^" n "\\{" && $0 ~ "reporter=\"" r "\"" &&
		$0 ~ "source_workload=\"client\"" && $0 ~ "destination_service=\"echo.default.svc.cluster.local\"" { v = $NF } END { print v + 0 }'
}
# transfer N: node1-p3 sends N bytes through the VIP, reads the echo (12-byte id line + N).
transfer() {
	tb exec node1-p3 -- python3 -c "
import socket
s = socket.create_connection(('$VIP', 80))
data = bytes(range(256)) * ($1 // 256) + b'x' * ($1 % 256)
s.sendall(data); s.shutdown(socket.SHUT_WR)
got = 0
while True:
    b = s.recv(65536)
    if not b: break
    got += len(b)
print(got)
"
}
# Wait until the agent has seen the close of every connection it counted.
settled() {
	local o c
	o=$(metric "$1" istio_tcp_connections_opened_total "$2")
	c=$(metric "$1" istio_tcp_connections_closed_total "$2")
	[ "$o" = "$c" ] && [ "$o" != 0 ]
}

t_begin "bytes match a known-size transfer, in both directions, on both reporters"
got=$(transfer 1000000)
wait_until 10 settled node1 source && wait_until 10 settled node2 destination
assert_eq "$got" 1000012 "echoed" &&
	assert_eq "$(metric node1 istio_tcp_sent_bytes_total source)" 1000000 "source sent" &&
	assert_eq "$(metric node1 istio_tcp_received_bytes_total source)" 1000012 "source received" &&
	assert_eq "$(metric node2 istio_tcp_sent_bytes_total destination)" 1000012 "destination sent" &&
	assert_eq "$(metric node2 istio_tcp_received_bytes_total destination)" 1000000 "destination received" &&
	t_pass

t_begin "UDP datagrams and payload bytes, on both reporters"
out=$(probe node1-p3 --udp-unconnected --count 10 --payload 0123456789abcdef --keep-going $VIP 53)
udp() { metrics "$1" | awk -v n="$2" -v r="$3" '$0 ~ "^" n "\\{" && $0 ~ "reporter=\"" r "\"" &&
	$0 ~ "source_workload=\"client\"" && $0 ~ "destination_workload=\"echo\"" { v = $NF } END { print v + 0 }'; }
assert_contains "$out" "summary ok=10 err=0" &&
	assert_eq "$(udp node1 sluice_udp_sent_bytes_total source)" 160 "source sent" &&
	assert_eq "$(udp node1 sluice_udp_received_bytes_total source)" 280 "source received" &&
	assert_eq "$(udp node1 sluice_udp_datagrams_total source)" 20 "source datagrams" &&
	assert_eq "$(udp node2 sluice_udp_received_bytes_total destination)" 160 "destination received" &&
	assert_eq "$(udp node2 sluice_udp_sent_bytes_total destination)" 280 "destination sent" && t_pass

t_begin "UDP over IPv6, in fragments: each datagram counted once, at its full size"
# 3,000 bytes to the echo pod's IPv6 address: more than the 1,500-byte MTU, so the
# datagram and its 3,012-byte reply (the id line first) each travel as two fragments.
out=$(tb exec node1-p3 -- /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect((sys.argv[1], 8080))
s.send(b"x" * 3000)
print("reply", len(s.recv(65536)))' "$TB_POD_node2_p1_IP6" 2>&1)
assert_eq "$out" "reply 3012" "the echo's reply" &&
	assert_eq "$(udp node1 sluice_udp_sent_bytes_total source)" 3160 "source sent" &&
	assert_eq "$(udp node1 sluice_udp_received_bytes_total source)" 3292 "source received" &&
	assert_eq "$(udp node1 sluice_udp_datagrams_total source)" 22 "source datagrams" &&
	assert_eq "$(udp node2 sluice_udp_received_bytes_total destination)" 3160 "destination received" &&
	assert_eq "$(udp node2 sluice_udp_datagrams_total destination)" 22 "destination datagrams" && t_pass

t_begin "Istio's labels, derived from the Pods and the Service"
line=$(metrics node1 | grep '^istio_tcp_connections_opened_total{reporter="source"' | grep 'source_workload="client"')
for l in 'source_workload_namespace="default"' 'source_app="client"' 'source_version="v7"' \
	'destination_service_name="echo"' 'destination_service_namespace="default"' \
	'destination_workload="echo"' 'destination_workload_namespace="default"' 'destination_app="echo"' \
	'destination_version="v1"' 'request_protocol="tcp"' 'connection_security_policy="none"' \
	'source_principal="unknown"' 'destination_principal="unknown"'; do
	assert_contains "$line" "$l" || break
done
t_ok && t_pass

t_begin "opened minus closed equals live connections"
before=$(metric node1 istio_tcp_connections_opened_total source)
tb_bg node1-p3 "$T_TMP/hold.log" -- python3 -c "
import socket, time, os
c = [socket.create_connection(('$VIP', 80)) for _ in range(5)]
for s in c: s.recv(64)
print('held', flush=True)
while not os.path.exists('$T_TMP/release'): time.sleep(0.05)
"
wait_until 10 grep -q held "$T_TMP/hold.log"
o=$(metric node1 istio_tcp_connections_opened_total source)
c=$(metric node1 istio_tcp_connections_closed_total source)
assert_eq "$((o - before))" 5 "opened" && assert_eq "$((o - c))" 5 "live = opened - closed"
touch "$T_TMP/release"
wait_until 10 settled node1 source
assert_eq "$(metric node1 istio_tcp_connections_closed_total source)" "$o" "all closed" && t_pass

t_begin "promtool check metrics passes on the endpoint's output"
metrics node1 >"$T_TMP/m.txt"
out=$(promtool check metrics <"$T_TMP/m.txt" 2>&1)
assert_eq $? 0 "$out" && assert_contains "$(cat "$T_TMP/m.txt")" "sluice_map_entries{map=\"sl_svc\"}" &&
	assert_contains "$(cat "$T_TMP/m.txt")" "sluice_apply_duration_seconds_bucket" && t_pass

t_begin "a real Prometheus scrapes the agent and PromQL returns the series"
mkdir -p "$T_TMP/prom"
cat >"$T_TMP/prom/prometheus.yml" <<EOT
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
- job_name: sluice
  metrics_path: /stats/prometheus
  static_configs: [{targets: ['127.0.0.1:15020']}]
EOT
tb_bg node1 "$T_TMP/prom.log" -- prometheus --config.file="$T_TMP/prom/prometheus.yml" \
	--storage.tsdb.path="$T_TMP/prom/data" --web.listen-address=127.0.0.1:19090
q='sum(istio_tcp_sent_bytes_total{reporter="source",destination_service_name="echo",source_workload="client"})'
query() { tb exec node1 -- curl -s --max-time 2 "http://127.0.0.1:19090/api/v1/query" --data-urlencode "query=$q"; }
want=$(metric node1 istio_tcp_sent_bytes_total source)
wait_until 90 sh -c "'$TESTBED' exec --name $TB_NAME node1 -- curl -s --max-time 2 http://127.0.0.1:19090/api/v1/query --data-urlencode 'query=$q' | grep -q '\"$want\"'"
assert_contains "$(query)" "\"$want\"" "PromQL result for $q (targets: $(tb exec node1 -- curl -s --max-time 2 http://127.0.0.1:19090/api/v1/targets | head -c 400); log: $(tail -3 "$T_TMP/prom.log"))" && t_pass
tb exec node1 -- pkill -f "storage.tsdb.path=$T_TMP/prom/data" || true

t_begin "the flow log shows open and close with identities, as JSON lines"
out=$(tb ctl node1 -- flows --pod node1-p3 -o json)
line=$(grep '"type":"close"' <<<"$out" | tail -1)
assert_contains "$line" '"source":{"address":"10.244.1.13:' &&
	assert_contains "$line" '"pod":"node1-p3"' && assert_contains "$line" '"pod":"node2-p1"' &&
	assert_contains "$line" '"service":{"namespace":"default","name":"echo"}' &&
	assert_contains "$line" '"original_destination":"10.96.4.10:80"' &&
	assert_contains "$out" '"type":"open"' &&
	python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin if l.strip()]' <<<"$out" && t_pass

t_begin "a connection to a Service without endpoints is a drop with its reason"
probe node1-p3 --tcp 10.96.4.20 80 >/dev/null
out=$(tb ctl node1 -- flows --verdict DROPPED --service default/empty)
assert_contains "$out" "drop" && assert_contains "$out" "reason=no_endpoint" &&
	assert_contains "$out" "default/node1-p3" &&
	assert_not_contains "$(tb ctl node1 -- flows --verdict DROPPED --service default/echo)" "reason=" &&
	assert_match "$(metrics node1)" 'sluice_drops_total\{reason="no_endpoint"\} [1-9]' && t_pass

t_begin "flows --follow streams new flows"
tb_bg node1 "$T_TMP/follow.log" -- "$SLUICE_BIN/sluicectl" --socket "$TB_NODE_node1_SOCKET" flows --follow --since 1ms --pod node1-p2
sleep 0.5
probe node1-p2 --tcp $VIP 80 >/dev/null
wait_until 10 grep -q "close .*default/node1-p2" "$T_TMP/follow.log"
assert_contains "$(cat "$T_TMP/follow.log")" "close" && t_pass
kill "${T_BG_PIDS[-1]}" 2>/dev/null

t_begin "bpftool prints the documented maps with named fields"
out=$(bpftool map dump pinned "$TB_NODE_node1_BPFFS/sl_flow_stats")
assert_contains "$out" '"sent_bytes":' && assert_contains "$out" '"src_pod":' &&
	assert_contains "$(bpftool map dump pinned "$TB_NODE_node1_BPFFS/sl_ipcache")" '"pod_id":' && t_pass

t_begin "the agent restarted mid-stream keeps counting from where the maps were"
base=$(metric node1 istio_tcp_sent_bytes_total source)
rm -f "$T_TMP/go"
tb_bg node1-p3 "$T_TMP/mid.log" -- python3 -c "
import socket, os, time
s = socket.create_connection(('$VIP', 80))
s.sendall(b'a' * 300000)
print('first half', flush=True)
while not os.path.exists('$T_TMP/go'): time.sleep(0.05)
s.sendall(b'b' * 300000); s.shutdown(socket.SHUT_WR)
while s.recv(65536): pass
print('finished', flush=True)
"
wait_until 10 grep -q 'first half' "$T_TMP/mid.log"
tb agent node1 kill && tb agent node1 start
touch "$T_TMP/go"
wait_until 10 grep -q finished "$T_TMP/mid.log"
wait_until 10 settled node1 source
assert_eq "$(metric node1 istio_tcp_sent_bytes_total source)" "$((base + 600000))" && t_pass

t_begin "a live connection's bytes are reported while it lives, every 5 s of traffic"
# 1,000 bytes every 100 ms; the kernel brings the counters up to date on the ACKs of a
# connection that lived 5 s since its last update (SL_TCP_REPORT_NS), not only at close.
base=$(metric node1 istio_tcp_sent_bytes_total source)
rm -f "$T_TMP/stop"
tb_bg node1-p3 "$T_TMP/live.log" -- python3 -c "
import socket, os, time
s = socket.create_connection(('$VIP', 80))
n = 0
while not os.path.exists('$T_TMP/stop') and n < 200000:
    s.sendall(b'c' * 1000); n += 1000
    time.sleep(0.1)
s.shutdown(socket.SHUT_WR)
while s.recv(65536): pass
print('sent', n, flush=True)
"
reported() { [ "$(metric node1 istio_tcp_sent_bytes_total source)" -gt "$base" ]; }
if wait_until 15 reported; then
	live=$(metric node1 istio_tcp_sent_bytes_total source)
	# still open: nothing was reported by a close
	running=$(grep -q '^sent' "$T_TMP/live.log" && echo closed || echo open)
	touch "$T_TMP/stop"
	wait_until 10 grep -q sent "$T_TMP/live.log"
	wait_until 10 settled node1 source
	n=$(awk '/^sent/ { print $2 }' "$T_TMP/live.log")
	assert_eq "$running" open "connection still open when its bytes showed" &&
		{ [ "$((live - base))" -le "$n" ] || t_fail "$((live - base)) bytes reported while open, of $n sent"; } &&
		assert_eq "$(metric node1 istio_tcp_sent_bytes_total source)" "$((base + n))" "total at close" && t_pass
else
	touch "$T_TMP/stop"
	t_fail "no bytes of the live connection reported within 15 s"
fi

t_begin "the agent's memory stays flat as connections churn"
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(cat "/run/sluice-testbed/$TB_NAME/node1/sluiced.pid")/status"; }
# Fill the flow buffer first (3 events a connection on the client's node), then churn.
probe node1-p3 --tcp --count 3000 --interval-ms 0 --keep-going $VIP 80 >/dev/null
metrics node1 >/dev/null
r1=$(rss)
probe node1-p3 --tcp --count 3000 --interval-ms 0 --keep-going $VIP 80 >/dev/null
metrics node1 >/dev/null
r2=$(rss)
assert_match "$r1" '^[0-9]+$' "RSS readable" &&
	{ [ "$((r2 - r1))" -lt 1024 ] || t_fail "RSS grew from ${r1} kB to ${r2} kB over 3000 connections"; } && t_pass

t_begin "a deleted pod's telemetry keys are retired; its series keep their values"
tb agent node1 stop && tb agent node1 start -- --flow-key-retention 1
transfer 1000 >/dev/null
wait_until 10 settled node1 source
before=$(metric node1 istio_tcp_sent_bytes_total source)
tb pods --label node1-p3:app=client --label node1-p3:version=v7 node1-p3 >"$T_TMP/p3.yaml"
# node1-p3's pod id, from sl_ipcache (address prefix -> pod id; pods are host prefixes).
p3id=$(bpftool -j map dump pinned "$TB_NODE_node1_BPFFS/sl_ipcache" | python3 -c '
import json, socket, struct, sys
want = struct.unpack("<I", socket.inet_aton(sys.argv[1]))[0]
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    if f["key"]["prefixlen"] == 128 and f["key"]["addr"]["w"][3] == want:
        print(f["value"]["pod_id"])' "$TB_POD_node1_p3_IP4")
tb ctl node1 -- delete -f "$T_TMP/p3.yaml" >/dev/null
gone() {
	bpftool -j map dump pinned "$TB_NODE_node1_BPFFS/sl_flow_stats" | python3 -c '
import json, sys
keys = [e.get("formatted", e)["key"] for e in json.load(sys.stdin)]
sys.exit(any(k["src_pod"] == int(sys.argv[1]) or k["dst_pod"] == int(sys.argv[1]) for k in keys))' "$p3id"
}
wait_until 30 gone
assert_ne "$p3id" "" "node1-p3's pod id" && assert_ok gone &&
	assert_eq "$(metric node1 istio_tcp_sent_bytes_total source)" "$before" "series value kept" && t_pass
