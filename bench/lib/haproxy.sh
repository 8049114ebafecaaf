# shellcheck shell=bash
# HAProxy in TCP mode, as the sidecar and node-proxy variants use it: one process, one
# thread, pinned to a CPU, dropping to the haproxy user (so the sidecar's iptables rules
# can exclude its own traffic with -m owner, as Istio does).

# haproxy_start TARGET(pod|node) CPU DIR LISTEN=SERVER...: start it inside TARGET, with one
# `listen` section per LISTEN=SERVER pair (ADDR:PORT each); waits for the stats socket.
haproxy_start() {
	local target=$1 cpu=$2 dir=$3 i=0 pair
	shift 3
	mkdir -p "$dir"
	chmod 0755 "$dir"
	{
		cat <<EOT
global
	maxconn 9000
	nbthread 1
	user haproxy
	group haproxy
	pidfile $dir/haproxy.pid
	stats socket $dir/stats.sock mode 600 level admin
defaults
	mode tcp
	timeout connect 5s
	timeout client 120s
	timeout server 120s
	maxconn 9000
EOT
		for pair in "$@"; do
			i=$((i + 1))
			printf 'listen l%d\n\tbind %s\n\tserver s%d %s\n' "$i" "${pair%%=*}" "$i" "${pair#*=}"
		done
	} >"$dir/haproxy.cfg"
	rm -f "$dir/haproxy.pid" "$dir/stats.sock"
	tb exec "$target" -- taskset -c "$cpu" haproxy -D -f "$dir/haproxy.cfg" </dev/null >"$dir/haproxy.log" 2>&1 ||
		{ echo "haproxy in $target did not start: $(cat "$dir/haproxy.log")" >&2; return 1; }
	wait_for 5 test -S "$dir/stats.sock" || { echo "haproxy in $target: no stats socket" >&2; return 1; }
	wait_for 5 test -s "$dir/haproxy.pid" || { echo "haproxy in $target: no pid file" >&2; return 1; }
}

haproxy_pid() { head -1 "$1/haproxy.pid" 2>/dev/null; }

haproxy_stop() {
	local dir=$1 pid
	pid=$(haproxy_pid "$dir")
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		proc_alive "$pid" || break
		sleep 0.01
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$dir/haproxy.pid"
}

# haproxy_sessions DIR: total sessions accepted by its frontends so far.
haproxy_sessions() {
	echo "show stat" | socat - "UNIX-CONNECT:$1/stats.sock" 2>/dev/null |
		awk -F, '$2 == "FRONTEND" { s += $8 } END { print s + 0 }'
}
