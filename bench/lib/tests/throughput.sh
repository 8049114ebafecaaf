# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# Throughput: iperf3, 1 and 2 parallel TCP streams, client -> server.
# Metric: Gbit/s received; higher is better. Ops: GB (1e9 bytes) received.

_tput() {
	local target=$1 streams=$2 out
	out=$(tb exec "$CLIENT_POD" -- taskset -c "$CLIENT_CPU" timeout $((DUR + 20)) \
		iperf3 -c "$target" -p "$P_IPERF" -t "$DUR" -P "$streams" -J 2>&1) || {
		R_ERR="iperf3 failed: $(printf '%s' "$out" | grep -m1 error)"
		return 1
	}
	read -r R_VALUE R_OPS < <(printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = d["end"]["sum_received"]
print("%.3f %.4f" % (r["bits_per_second"] / 1e9, r["bytes"] / 1e9))') || {
		R_ERR="no iperf3 result"
		return 1
	}
	R_UNIT=Gbit/s R_OPS_UNIT=GB R_BETTER=higher R_EXTRA=()
}

t_tput1_run() { _tput "$1" 1; }
t_tput2_run() { _tput "$1" 2; }
T_TPUT1_DESC="throughput, iperf3, 1 stream"
T_TPUT2_DESC="throughput, iperf3, 2 streams"
