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
# Pods running nginx/iperf3/sockperf (bench/run adds $LOCAL_SERVER_POD when needed).
# shellcheck disable=SC2153 # SERVER_POD is set in common.sh
SERVER_PODS=$SERVER_POD

# servers_start: the servers in $SERVER_POD and, when a same-node variant runs, in
# $LOCAL_SERVER_POD too (same ports, its own network namespace), then the sl-echo probes.
servers_start() {
	local pod
	for pod in $SERVER_PODS; do
		servers_start_in "$pod"
	done
	local p
	for p in $PROBE_PODS $PROBE_NEW; do
		tb exec "$p" -- "$TOOLS/sl-echo" --id "$p" --tcp "$PROBE_PORT" </dev/null >"$WORK/echo-$p.log" 2>&1 &
	done
	for p in $PROBE_PODS $PROBE_NEW; do
		wait_for 10 grep -q '^listening' "$WORK/echo-$p.log" || die "sl-echo in $p did not start"
	done
}

# servers_start_in POD: nginx, iperf3 and sockperf in POD, pinned to $SERVER_CPU.
servers_start_in() {
	local pod=$1 d="$WORK/nginx-$1"
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
	tb exec "$pod" -- taskset -c "$SERVER_CPU" nginx -c "$d/nginx.conf" </dev/null >"$WORK/nginx-$pod.log" 2>&1 &
	tb exec "$pod" -- taskset -c "$SERVER_CPU" iperf3 -s -p "$P_IPERF" </dev/null >"$WORK/iperf3-$pod.log" 2>&1 &
	tb exec "$pod" -- taskset -c "$SERVER_CPU" sockperf server --tcp -i 0.0.0.0 -p "$P_SOCKPERF" </dev/null >"$WORK/sockperf-$pod.log" 2>&1 &
	local ip
	ip=$(pod_var "$pod" IP4)
	wait_for 10 tb exec "$CLIENT_POD" -- curl -s -o /dev/null --max-time 1 "http://$ip/" || die "nginx in $pod did not start: $(tail -3 "$WORK/nginx-$pod.log")"
	wait_for 10 nsx "$pod" sh -c "ss -ltn | grep -q ':$P_IPERF ' && ss -ltn | grep -q ':$P_SOCKPERF '" ||
		die "iperf3/sockperf in $pod did not start: $(tail -3 "$WORK/iperf3-$pod.log" "$WORK/sockperf-$pod.log")"
}

# server_cg [VARIANT]: the cgroup of the pod whose servers VARIANT targets (CPU is read
# from it): $SERVER_POD, or what v_<variant>_server_pod prints.
server_cg() {
	local pod=$SERVER_POD
	if [ -n "${1:-}" ] && declare -F "v_$(fn "$1")_server_pod" >/dev/null; then
		pod=$("v_$(fn "$1")_server_pod")
	fi
	pod_var "$pod" CGROUP
}
client_cg() { pod_var "$CLIENT_POD" CGROUP; }

probe_ips() {
	local p out=""
	for p in "$@"; do out+="${out:++}$(pod_var "$p" IP4)"; done
	printf '%s' "$out"
}
