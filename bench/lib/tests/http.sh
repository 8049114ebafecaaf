# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# HTTP through the VIP with wrk (1 thread, $WRK_CONNS connections) against nginx:
#   http_ka     keep-alive requests
#   http_close  every request on a new connection (Connection: close)
# Metric: requests/s; higher is better. Ops: requests. Socket errors or non-2xx answers
# fail the run.

_wrk() {
	local target=$1 out
	shift
	out=$(tb exec "$CLIENT_POD" -- taskset -c "$CLIENT_CPU" timeout $((DUR + 20)) \
		wrk -t1 -c"$WRK_CONNS" -d"${DUR}s" "$@" "http://$target:$P_HTTP/" 2>&1) || {
		R_ERR="wrk failed: $(printf '%s' "$out" | tail -2)"
		return 1
	}
	R_VALUE=$(printf '%s' "$out" | awk '$1 == "Requests/sec:" { print $2 }')
	R_OPS=$(printf '%s' "$out" | awk '$2 == "requests" && $3 == "in" { print $1 }')
	R_UNIT=req/s R_OPS_UNIT=req R_BETTER=higher
	R_EXTRA=(latency_avg "$(printf '%s' "$out" | awk '$1 == "Latency" { print $2 }')")
	if printf '%s' "$out" | grep -qE 'Socket errors|Non-2xx'; then
		R_ERR="wrk: $(printf '%s' "$out" | grep -E 'Socket errors|Non-2xx' | tr '\n' ' ')"
		return 1
	fi
	if [ -z "$R_VALUE" ] || [ "${R_OPS:-0}" -le 0 ]; then
		R_ERR="no wrk result: $(printf '%s' "$out" | tail -2)"
		return 1
	fi
}

t_http_ka_run() { _wrk "$1"; }
t_http_close_run() { _wrk "$1" -H "Connection: close"; }
T_HTTP_KA_DESC="keep-alive HTTP, wrk -> nginx"
T_HTTP_CLOSE_DESC="new connections, wrk -H 'Connection: close' -> nginx"
