# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# Round trip: sockperf ping-pong over one TCP connection, 64 B and 1 KiB messages.
# Metric: round-trip time in µs (2 x sockperf's avg-latency, which is RTT/2); lower is
# better. Ops: messages exchanged.

_rr() {
	local target=$1 size=$2 out
	out=$(tb exec "$CLIENT_POD" -- taskset -c "$CLIENT_CPU" timeout $((DUR + 20)) \
		sockperf ping-pong --tcp -i "$target" -p "$P_SOCKPERF" -m "$size" -t "$DUR" 2>&1) || {
		R_ERR="sockperf failed: $(printf '%s' "$out" | tail -3)"
		return 1
	}
	# avg-latency=35.741 (std-dev=...); percentile 99.000 = 52.262; ReceivedMessages=21676
	R_VALUE=$(printf '%s' "$out" | sed -n 's/.*avg-latency=\([0-9.]*\).*/\1/p' | awk '{ printf "%.3f", 2 * $1 }')
	R_OPS=$(printf '%s' "$out" | sed -n 's/.*ReceivedMessages=\([0-9]*\).*/\1/p' | head -1)
	R_EXTRA=(p99_us "$(printf '%s' "$out" | sed -n 's/.*percentile 99.000 = *\([0-9.]*\).*/\1/p' | awk '{ printf "%.3f", 2 * $1 }')")
	R_UNIT=us R_OPS_UNIT=req R_BETTER=lower
	if [ -z "$R_VALUE" ] || [ "${R_OPS:-0}" -le 0 ]; then
		R_ERR="no sockperf result: $(printf '%s' "$out" | tail -3)"
		return 1
	fi
}

t_rr64_run() { _rr "$1" 64; }
t_rr1k_run() { _rr "$1" 1024; }
T_RR64_DESC="round trip, sockperf ping-pong --tcp, 64 B"
T_RR1K_DESC="round trip, sockperf ping-pong --tcp, 1 KiB"
