# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# The servers every variant targets: nginx, iperf3 and sockperf in the server pod
# (pinned to $SERVER_CPU), and sl-echo in the probe pods used by the programming test.
# They live in pod cgroups, so `testbed down` ends them.

# Probe pods for the programming test: a Service with these 4 endpoints, of which the
# last is replaced by PROBE_NEW.
PROBE_PODS="node1-p2 node1-p3 node2-p2 node2-p3"
PROBE_NEW=node2-p4
PROBE_PODS_KEPT="node1-p2 node1-p3 node2-p2"
PROBE_PORT=8080

servers_start() {
	local d="$WORK/nginx"
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<EOT
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 8192; }
http {
	access_log off;
	keepalive_requests 100000000;
	client_body_temp_path $d;
	proxy_temp_path $d;
	fastcgi_temp_path $d;
	uwsgi_temp_path $d;
	scgi_temp_path $d;
	server {
		listen $P_HTTP backlog=8192;
		location / { return 200 "ok\n"; }
	}
}
EOT
	tb exec "$SERVER_POD" -- taskset -c "$SERVER_CPU" nginx -c "$d/nginx.conf" </dev/null >"$WORK/nginx.log" 2>&1 &
	tb exec "$SERVER_POD" -- taskset -c "$SERVER_CPU" iperf3 -s -p "$P_IPERF" </dev/null >"$WORK/iperf3.log" 2>&1 &
	tb exec "$SERVER_POD" -- taskset -c "$SERVER_CPU" sockperf server --tcp -i 0.0.0.0 -p "$P_SOCKPERF" </dev/null >"$WORK/sockperf.log" 2>&1 &
	local p
	for p in $PROBE_PODS $PROBE_NEW; do
		tb exec "$p" -- "$TOOLS/sl-echo" --id "$p" --tcp "$PROBE_PORT" </dev/null >"$WORK/echo-$p.log" 2>&1 &
	done
	local ip
	ip=$(pod_var "$SERVER_POD" IP4)
	wait_for 10 tb exec "$CLIENT_POD" -- curl -s -o /dev/null --max-time 1 "http://$ip/" || die "nginx did not start: $(tail -3 "$WORK/nginx.log")"
	wait_for 10 nsx "$SERVER_POD" sh -c "ss -ltn | grep -q ':$P_IPERF ' && ss -ltn | grep -q ':$P_SOCKPERF '" ||
		die "iperf3/sockperf did not start: $(tail -3 "$WORK/iperf3.log" "$WORK/sockperf.log")"
	for p in $PROBE_PODS $PROBE_NEW; do
		wait_for 10 grep -q '^listening' "$WORK/echo-$p.log" || die "sl-echo in $p did not start"
	done
}

# server_pids: the server processes (for the record; CPU is read from the pod cgroup).
server_cg() { pod_var "$SERVER_POD" CGROUP; }
client_cg() { pod_var "$CLIENT_POD" CGROUP; }

probe_ips() {
	local p out=""
	for p in "$@"; do out+="${out:++}$(pod_var "$p" IP4)"; done
	printf '%s' "$out"
}
