# shellcheck shell=bash
# Helpers for the end-to-end tests. Source it from tests/e2e/test_*.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   t_begin "pods reach each other"; ...; assert_contains "$out" "ok id=" && t_pass
#
# Every test case prints exactly one line, which the top-level runner counts:
#   PASS <file>: <name>
#   FAIL <file>: <name>: <msg>
#   SKIP <file>: <name>: <reason>
# `tb ...` runs scripts/testbed with a testbed name unique to the test file; the testbed
# is taken down when the file exits (normally, on error, or on INT/TERM).

set -uo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
TESTBED="$REPO/scripts/testbed"
export SLUICE_BIN=${SLUICE_BIN:-$REPO/build/bin}
TOOLS=${SLUICE_TOOLS:-$REPO/build/tools}
T_FILE=$(basename "${BASH_SOURCE[1]:-$0}")
# Testbed name: <= 6 chars so namespace and interface names stay short; derived from
# the file name so files can run one after another without clashing.
TB_NAME=${TB_NAME:-e$(printf '%s' "$T_FILE" | md5sum | cut -c1-5)}
T_CASE=
T_STATE=none # none | running | decided
T_FAILS=0
T_TMP=$(mktemp -d "/tmp/sluice-e2e-${T_FILE%.sh}.XXXXXX")
T_BG_PIDS=()

_t_line() { printf '%s %s: %s%s\n' "$1" "$T_FILE" "$T_CASE" "${2:+: $2}"; }

t_begin() {
	if [ "$T_STATE" = running ]; then
		t_fail "case ended without PASS or FAIL"
	fi
	T_CASE=$1
	T_STATE=running
}

t_pass() {
	[ "$T_STATE" = running ] || return 0
	_t_line PASS
	T_STATE=decided
}

# t_fail MSG: fails the current case (only the first failure of a case is printed).
# Returns 1 so callers can write `cmd || t_fail msg || return`.
t_fail() {
	if [ "$T_STATE" = running ]; then
		_t_line FAIL "$(printf '%s' "$*" | tr '\n' ' ' | cut -c1-600)"
		T_FAILS=$((T_FAILS + 1))
		T_STATE=decided
	fi
	return 1
}

t_skip() {
	[ "$T_STATE" = running ] || return 0
	_t_line SKIP "$*"
	T_STATE=decided
}

# t_skip_file REASON: skips the whole file (one SKIP line) and exits.
t_skip_file() {
	T_CASE=${T_CASE:-all}
	T_STATE=running
	t_skip "$*"
	exit 0
}

# t_run NAME FUNC [ARGS...]: a case as a function; PASS if it returns 0 without a failed
# assertion, FAIL otherwise.
t_run() {
	local name=$1
	shift
	t_begin "$name"
	if "$@"; then
		t_pass
	else
		t_fail "${FUNCNAME[0]}: $1 returned non-zero"
	fi
}

# Is the current case still undecided (no failed assertion yet)? Assertions after a
# failure print nothing more, so a case can run several asserts and end with t_pass.
t_ok() { [ "$T_STATE" = running ]; }

assert_eq() {
	local got=$1 want=$2 msg=${3:-}
	[ "$got" = "$want" ] && return 0
	t_fail "${msg:+$msg: }expected '$want', got '$got'"
}

assert_ne() {
	local got=$1 bad=$2 msg=${3:-}
	[ "$got" != "$bad" ] && return 0
	t_fail "${msg:+$msg: }did not expect '$bad'"
}

assert_contains() {
	local hay=$1 needle=$2 msg=${3:-}
	[[ $hay == *"$needle"* ]] && return 0
	t_fail "${msg:+$msg: }expected to contain '$needle', got '$hay'"
}

assert_not_contains() {
	local hay=$1 needle=$2 msg=${3:-}
	[[ $hay != *"$needle"* ]] && return 0
	t_fail "${msg:+$msg: }expected not to contain '$needle', got '$hay'"
}

# assert_match STRING ERE [MSG]
assert_match() {
	local s=$1 re=$2 msg=${3:-}
	[[ $s =~ $re ]] && return 0
	t_fail "${msg:+$msg: }expected to match /$re/, got '$s'"
}

# assert_ok CMD...: the command exits 0.
assert_ok() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && return 0
	t_fail "'$*' exited $rc: $out"
}

# wait_until TIMEOUT_S CMD...: poll CMD (every 0.1 s) until it succeeds or time runs
# out. For readiness only; tests never assert timings.
wait_until() {
	local timeout=$1 deadline
	shift
	deadline=$(($(date +%s%N) / 1000000 + timeout * 1000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $(($(date +%s%N) / 1000000)) -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# require_cmd CMD...: skip the current case (or the file, outside a case) when missing.
require_cmd() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			if [ "$T_STATE" = running ]; then
				t_skip "$c not installed"
				return 1
			fi
			t_skip_file "$c not installed"
		fi
	done
}

require_root() {
	[ "$(id -u)" -eq 0 ] || t_skip_file "needs root"
}

# require_tools: skip the file when build/tools (make tools) is missing.
require_tools() {
	local t
	for t in sl-echo sl-probe "$@"; do
		[ -x "$TOOLS/$t" ] || t_skip_file "$TOOLS/$t missing (run make tools)"
	done
}

# tb CMD ARGS...: scripts/testbed CMD --name $TB_NAME ARGS...
tb() {
	local cmd=$1
	shift
	"$TESTBED" "$cmd" --name "$TB_NAME" "$@"
}

# tb_up ARGS...: a fresh testbed (anything left from an earlier run is removed first).
tb_up() {
	tb down >/dev/null 2>&1 || true
	tb up "$@"
}

# tb_env: source the testbed's env file (TB_PODS, TB_POD_node1_p1_IP4, ...).
tb_env() {
	# shellcheck disable=SC1090
	. "/run/sluice-testbed/$TB_NAME/env"
}

# tb_bg POD|NODE LOGFILE -- CMD...: start CMD in the background inside POD; the
# process is killed by `tb down` (it lives in the pod's cgroup) and on exit.
tb_bg() {
	local target=$1 log=$2
	shift 2
	[ "${1:-}" = -- ] && shift
	tb exec "$target" -- "$@" </dev/null >"$log" 2>&1 &
	T_BG_PIDS+=($!)
}

# start_echo POD [SL_ECHO_ARGS...]: sl-echo --id POD in POD (default --tcp 8080
# --udp 8080), waiting until it listens. Log in $T_TMP/echo-POD.log.
start_echo() {
	local pod=$1 log
	shift
	[ $# -gt 0 ] || set -- --tcp 8080 --udp 8080
	log="$T_TMP/echo-$pod.log"
	tb_bg "$pod" "$log" -- "$TOOLS/sl-echo" --id "$pod" "$@"
	wait_until 10 grep -q '^listening' "$log" || {
		echo "start_echo $pod failed: $(cat "$log")" >&2
		return 1
	}
}

# svc_yaml NAME VIP POD...: a Service NAME (namespace default) with ClusterIP VIP and
# port tcp 80 -> 8080, and its IPv4 EndpointSlice with the given pods.
svc_yaml() {
	local name=$1 vip=$2
	shift 2
	cat <<EOT
apiVersion: v1
kind: Service
metadata: {name: $name}
spec:
  clusterIP: $vip
  ports: [{name: tcp, port: 80, targetPort: 8080}]
---
EOT
	tb endpointslice --service "default/$name" --port tcp:8080/TCP "$@"
}

# probe POD ARGS...: sl-probe inside POD (stdout+stderr).
probe() {
	local pod=$1
	shift
	tb exec "$pod" -- "$TOOLS/sl-probe" "$@" 2>&1
}

# --- sluice-proxy on node1 (the L7 suites) ---

# l7_svc NAME VIP PODS...: a Service on port 80 (target 8080), its endpoints, and a
# VirtualService with one http route to it (which makes the agent steer it to the
# proxy); ROUTE_EXTRA is added to the route (indented four).
l7_svc() {
	local name=$1 vip=$2
	shift 2
	cat <<EOT
---
apiVersion: v1
kind: Service
metadata: {name: $name, namespace: default}
spec:
  clusterIP: $vip
  ports: [{name: http, port: 80, targetPort: 8080}]
---
EOT
	tb endpointslice --service "default/$name" --port http:8080/TCP "$@"
	cat <<EOT
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: $name, namespace: default}
spec:
  hosts: [$name]
  http:
  - name: $name
    route: [{destination: {host: $name}}]
${ROUTE_EXTRA:-}
EOT
	ROUTE_EXTRA=
}

# proxy_env: after tb_env, NODE_NS (node1's network namespace) and PROXY_CG (a cgroup
# of its own below node1's, made here: what the agent gets as --proxy-cgroup).
proxy_env() {
	local cg2
	cg2=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)
	NODE_CG="$cg2/sluice-testbed-$TB_NAME/node1"
	PROXY_CG="$NODE_CG/proxy"
	NODE_NS="/run/netns/$TB_NAME-node1"
	mkdir -p "$PROXY_CG"
}
# node CMD...: CMD in node1's network namespace, outside every workload cgroup (the
# kernel refuses workloads the proxy's admin port).
node() { nsenter --net="$NODE_NS" "$@"; }
# admin PATH: GET PATH on the proxy's admin endpoint; stat_of NAME: one of its /stats.
admin() { node curl -s --max-time 5 "http://127.0.0.1:15000$1"; }
stat_of() { admin /stats | awk -v k="$1" '$1 == k { print $2 }'; }

PROXY_PID=
# start_proxy ARGS...: sluice-proxy in PROXY_CG and node1's network namespace,
# listening on node1's IPv4 address port 15001, admin on 127.0.0.1:15000, --node node1,
# then ARGS; its output appended to $T_TMP/proxy.out and proxy.log. Succeeds once
# /ready answers. (nsenter is started here directly, so PROXY_PID is the proxy's.)
start_proxy() {
	# shellcheck disable=SC2016,SC2154 # for the inner shell; TB_NODE_* from tb_env
	nsenter --net="$NODE_NS" sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sl \
		"$PROXY_CG" "$SLUICE_BIN/sluice-proxy" --listen "$TB_NODE_node1_IP4:15001" \
		--admin 127.0.0.1:15000 --node node1 "$@" \
		</dev/null >>"$T_TMP/proxy.out" 2>>"$T_TMP/proxy.log" &
	PROXY_PID=$!
	T_BG_PIDS+=("$PROXY_PID")
	wait_until 10 admin /ready
}
# stop_proxy [SIGNAL]: signals the proxy (TERM: it drains) and waits for it.
stop_proxy() {
	kill "-${1:-TERM}" "$PROXY_PID" 2>/dev/null
	wait "$PROXY_PID" 2>/dev/null
	PROXY_PID=
}

_t_cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	if [ "$T_STATE" = running ]; then
		t_fail "test file exited in the middle of this case"
	fi
	for p in "${T_BG_PIDS[@]+"${T_BG_PIDS[@]}"}"; do
		kill "$p" 2>/dev/null || true
	done
	"$TESTBED" down --name "$TB_NAME" >/dev/null 2>&1 ||
		"$TESTBED" down --name "$TB_NAME" >&2 || true
	rm -rf "$T_TMP"
	[ "$rc" -eq 0 ] && [ "$T_FAILS" -gt 0 ] && rc=1
	exit "$rc"
}
trap _t_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
