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

# jrec KEY VALUE ...: append one JSON object to $RAW. Values that look like numbers are
# written as numbers, everything else as strings.
jrec() {
	local out="{" sep="" k v
	while [ $# -ge 2 ]; do
		k=$1 v=$2
		shift 2
		if [[ $v =~ ^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then
			out+="$sep\"$k\":$v"
		else
			v=${v//\\/\\\\}
			v=${v//\"/\\\"}
			v=$(printf '%s' "$v" | tr '\n\t' '  ')
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
