# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# Shared helpers for bench/run: the testbed, namespaces, clocks, CPU and memory readings,
# and the raw result records (one JSON object per line in $RAW).

BENCH_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_DIR=$(cd "$BENCH_LIB/.." && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
TESTBED="$REPO/scripts/testbed"
export SLUICE_BIN=${SLUICE_BIN:-$REPO/build/bin}
TOOLS=${SLUICE_TOOLS:-$REPO/build/tools}
GEN="$BENCH_LIB/kube-gen.py"

# Fixed topology: client (load generator) in node1-p1 on CPU 0, servers in node2-p1 on
# CPU 1; node1's mesh processes share CPU 0, node2's share CPU 1.
CLIENT_POD=node1-p1
SERVER_POD=node2-p1
CLIENT_CPU=0
SERVER_CPU=1
# Ports the server pod listens on (the Services map port -> the same target port).
P_HTTP=80
P_IPERF=5201
P_SOCKPERF=11111
SVC_PORTS="http:$P_HTTP:$P_HTTP,iperf:$P_IPERF:$P_IPERF,sockperf:$P_SOCKPERF:$P_SOCKPERF"
# The same servers in a node1 pod, for the same-node variants (sluice-local, -accel);
# node1-p4 is the one pod the programming test leaves alone (lib/servers.sh).
LOCAL_SERVER_POD=node1-p4
# The agents' flags as the suite starts them (bench/run); variants that need other
# flags restart the agents with these plus theirs (agents_restart) and back.
AGENT_ARGS=(--max-services 70000 --max-backends 300000)
AGENT_EXTRA="" # the extra flags the agents currently run with

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

tb() {
	local cmd=$1
	shift
	"$TESTBED" "$cmd" --name "${BENCH_TB:?}" "$@"
}

# nsx NODE|POD CMD...: CMD in that namespace's network namespace only (no cgroup move).
nsx() {
	local t=$1
	shift
	nsenter --net="/run/netns/$BENCH_TB-$t" "$@"
}

now_ns() { date +%s%N; }

# ms_between T0_NS T1_NS: milliseconds with 3 decimals.
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }
s_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", (b - a) / 1e9 }'; }

tb_env_load() {
	# shellcheck disable=SC1090
	. "/run/sluice-testbed/$BENCH_TB/env"
}

# pod_var POD FIELD: a TB_POD_<pod>_<FIELD> value from the testbed env file.
pod_var() {
	local v="TB_POD_${1//-/_}_$2"
	printf '%s' "${!v}"
}
node_var() {
	local v="TB_NODE_${1}_$2"
	printf '%s' "${!v}"
}
agent_pid() { node_var "$1" AGENT_PID; }

# cg_usec CGROUP_DIR: CPU time (user+system, µs) of everything in the cgroup so far.
cg_usec() { awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"; }

# pid_usec PID: utime+stime of the process (all threads), µs; 0 if it is gone.
pid_usec() {
	local tck
	tck=$(getconf CLK_TCK)
	awk -v t="$tck" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000000 / t) }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# vm_kb PID FIELD: VmHWM / VmRSS in kB (0 if gone).
vm_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# proc_alive PID: the process exists and is not a zombie waiting to be reaped.
proc_alive() {
	local st
	st=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# reset_hwm PID: restart the process's peak-RSS watermark (VmHWM) from its current RSS.
reset_hwm() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }

# sluice_counter NODE NAME: a counter from `sluicectl status` (summed over CPUs).
sluice_counter() {
	tb ctl "$1" -- status 2>/dev/null | awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}

# agents_restart [EXTRA_FLAG...]: restart both nodes' agents with $AGENT_ARGS plus
# EXTRA_FLAGs (none: the suite's default). The data plane stays pinned and applied
# state is adopted. Stops in parallel, starts one after the other (the testbed rewrites
# its env file on start), then reloads the env file (the agents' new pids). A no-op when
# the agents already run with exactly these flags.
# shellcheck disable=SC2120 # called with and without flags
agents_restart() {
	local want="$*" n p1 p2 rc=0
	[ "$want" = "$AGENT_EXTRA" ] && return 0
	tb agent node1 stop >&2 &
	p1=$!
	tb agent node2 stop >&2 &
	p2=$!
	wait "$p1" || rc=1
	wait "$p2" || rc=1
	for n in node1 node2; do
		tb agent "$n" start -- "${AGENT_ARGS[@]}" "$@" >&2 || rc=1
	done
	tb_env_load
	AGENT_EXTRA=$want
	# unknown state after a failure: the next call restarts whatever it asks for
	[ "$rc" = 0 ] || { AGENT_EXTRA="?" && echo "agents_restart $want failed" >&2 && return 1; }
	wait_for 5 tb ctl node1 -- status && wait_for 5 tb ctl node2 -- status
}

# sluice_flows_opened NODE: connections opened in `sluicectl stats`' per-flow totals
# (the kernel's sl_flow_stats, which telemetry feeds; never reset).
sluice_flows_opened() {
	tb ctl "$1" -- stats 2>/dev/null | awk '
		$1 == "REPORTER" { t = 1; for (i = 1; i <= NF; i++) if ($i == "OPENED") c = i; next }
		t && c && $c ~ /^[0-9]+$/ { s += $c } END { print s + 0 }'
}

# istio_opened NODE: the sum of istio_tcp_connections_opened_total on the node's
# Prometheus endpoint (0 when the agent exports none).
istio_opened() {
	nsx "$1" curl -s --max-time 2 http://127.0.0.1:15020/metrics 2>/dev/null |
		awk '$1 ~ /^istio_tcp_connections_opened_total/ { s += $NF } END { printf "%d\n", s }'
}

# jrec KEY VALUE ...: append one JSON object to $RAW. Values that are JSON numbers are
# written as numbers, everything else as strings (a leading zero makes a string: an
# abbreviated commit such as 0622483 is not a number, and JSON has no such number).
jrec() {
	local out="{" sep="" k v
	while [ $# -ge 2 ]; do
		k=$1 v=$2
		shift 2
		if [[ $v =~ ^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then
			out+="$sep\"$k\":$v"
		else
			v=${v//\\/\\\\}
			v=${v//\"/\\\"}
			# (newlines and tabs to spaces; other control characters, e.g. a tool's colour
			# escapes, are not valid in JSON strings: dropped)
			v=$(printf '%s' "$v" | tr '\n\t' '  ' | tr -d '\000-\037\177')
			out+="$sep\"$k\":\"$v\""
		fi
		sep=","
	done
	printf '%s}\n' "$out" >>"$RAW"
}

# wait_for TIMEOUT_S CMD...: poll CMD every 50 ms until it succeeds (readiness only).
wait_for() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}
