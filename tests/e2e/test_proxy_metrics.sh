#!/usr/bin/env bash
# Istio request metrics from sluice-proxy, served by the agent: a one-node testbed whose
# agent steers L7 Services to the node's sluice-proxy (in the node's proxy cgroup) and
# reads the proxy's metrics over its control socket (--proxy-control / --control). Real
# curl requests from pod p1 (app=client) through the kernel handoff:
#  - 200s from the endpoint (p2, app=web), a 404 NR (no http route matches), a 503 UH
#    (no endpoint) and a fault abort (500 FI) appear in the agent's /metrics as
#    istio_requests_total with Istio's labels (reporter waypoint, source_workload,
#    destination_service, destination_workload, response_code, response_flags), and each
#    duration histogram's count equals its request count;
#  - every family's HELP and TYPE appear once in the combined exposition;
#  - the proxy's admin endpoint serves the same series on GET /stats/prometheus;
#  - with the proxy stopped the agent still serves its own metrics and
#    sluice_proxy_up 0; a restarted proxy (its stale socket replaced) is up again;
#  - a series no request updates for --request-series-idle ends.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo
require_cmd /usr/bin/python3 curl
[ -x "$SLUICE_BIN/sluice-proxy" ] || t_skip_file "$SLUICE_BIN/sluice-proxy missing (run make all)"

BACKEND="$REPO/tests/tools/sl-http-backend.py"
PY=/usr/bin/python3

tb_up --nodes 1 --pods 2 --no-agent >"$T_TMP/up.log" 2>&1 || {
	cat "$T_TMP/up.log"
	exit 1
}
tb_env
proxy_env
chmod 0755 "$T_TMP"
# The proxy makes the directory (0700) and the socket (0600).
CTL="$T_TMP/run/proxy.sock"
PROXY_ARGS=(--workers 2 --config "$T_TMP/cluster.yaml" --control "$CTL")

WEB=10.96.7.10
PICKY=10.96.7.30
FAULTY=10.96.7.40
EMPTY=10.96.7.20

tb agent node1 start -- --proxy-addr "$TB_NODE_node1_IP4:15001" --proxy-cgroup "$PROXY_CG" \
	--proxy-control "$CTL" >"$T_TMP/agent.log" 2>&1 || {
	cat "$T_TMP/agent.log"
	exit 1
}

# Services web, picky (only /only is routed), faulty (every request aborted 500) with
# the endpoint p2, and empty (no endpoint); VirtualServices with http routes make the
# agent steer them to the proxy.
{
	tb pods --label node1-p1:app=client --label node1-p2:app=web --label node1-p2:version=v1
	for s in web:$WEB picky:$PICKY faulty:$FAULTY empty:$EMPTY; do
		cat <<EOT
---
apiVersion: v1
kind: Service
metadata: {name: ${s%%:*}, namespace: default}
spec: {clusterIP: ${s#*:}, ports: [{name: http, port: 80, targetPort: 8080}]}
EOT
	done
	for s in web picky faulty; do
		echo "---"
		tb endpointslice --service "default/$s" --port http:8080/TCP node1-p2
	done
	cat <<EOT
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web]
  http: [{route: [{destination: {host: web}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: empty, namespace: default}
spec:
  hosts: [empty]
  http: [{route: [{destination: {host: empty}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: picky, namespace: default}
spec:
  hosts: [picky]
  http: [{match: [{uri: {prefix: /only}}], route: [{destination: {host: picky}}]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: faulty, namespace: default}
spec:
  hosts: [faulty]
  http:
  - fault: {abort: {percentage: {value: 100.0}, httpStatus: 500}}
    route: [{destination: {host: faulty}}]
EOT
} >"$T_TMP/cluster.yaml"

t_begin "the agent steers the Services to the proxy"
if out=$(tb ctl node1 -- apply -f "$T_TMP/cluster.yaml" 2>&1); then
	t_pass
else
	t_fail "apply: $out"
fi

tb_bg node1-p2 "$T_TMP/b2.log" -- "$PY" "$BACKEND" --id b2 --port 8080
wait_until 10 grep -q '^listening' "$T_TMP/b2.log" || {
	echo "backend did not start: $(cat "$T_TMP/b2.log")" >&2
	exit 1
}

agent_metrics() { node curl -s --max-time 10 http://127.0.0.1:15020/metrics; }


# value NAME LABEL=VALUE...: the sum of NAME's samples in $M whose labels include all
# the given ones ("" when none matches).
value() {
	local name=$1
	shift
	awk -v name="$name" -v want="$*" '
		BEGIN { n = split(want, w, " ") }
		index($0, name "{") == 1 {
			ok = 1
			for (i = 1; i <= n; i++) {
				split(w[i], kv, "=")
				if (index($0, kv[1] "=\"" kv[2] "\"") == 0) ok = 0
			}
			if (ok) { s += $NF; found = 1 }
		}
		END { if (found) print s }' <<<"$M"
}
SRC="reporter=waypoint source_workload=client source_workload_namespace=default request_protocol=http"

# codes N URL: N requests from the client pod; their status codes, one per line.
codes() {
	tb exec node1-p1 -- curl -s --max-time 10 -o /dev/null -w '%{http_code}\n' "$2?[1-$1]" 2>&1 | sort | uniq -c | awk '{ print $2, $1 }'
}

t_begin "sluice-proxy starts with its control socket (0600, in a directory made 0700)"
if start_proxy "${PROXY_ARGS[@]}"; then
	if [ "$(stat -c %a "$CTL")" = 600 ] && [ "$(stat -c %a "$(dirname "$CTL")")" = 700 ]; then
		t_pass
	else
		t_fail "modes: $(stat -c '%a %n' "$CTL" "$(dirname "$CTL")")"
	fi
else
	t_fail "not ready: $(tail -5 "$T_TMP/proxy.log")"
	exit 1
fi

t_begin "real requests: 200 x5, 404 NR, 503 UH, fault abort 500 x3"
ok=$(codes 5 "http://$WEB/id")
nr=$(codes 1 "http://$PICKY/other")
uh=$(codes 1 "http://$EMPTY/")
fi=$(codes 3 "http://$FAULTY/id")
assert_eq "$ok" "200 5" && assert_eq "$nr" "404 1" && assert_eq "$uh" "503 1" && assert_eq "$fi" "500 3" && t_pass

M=$(agent_metrics)

t_begin "the agent's /metrics: the proxy is up"
assert_ok grep -qx 'sluice_proxy_up 1' <<<"$M" && t_pass

t_begin "200s: istio_requests_total with the client, web's Service and workload"
L="$SRC destination_service=web.default.svc.cluster.local destination_service_name=web destination_service_namespace=default destination_workload=web destination_workload_namespace=default destination_version=v1 response_code=200 response_flags=-"
assert_eq "$(value istio_requests_total "$L")" 5 "$(grep istio_requests_total <<<"$M")" &&
	assert_eq "$(value istio_request_duration_milliseconds_count "$L")" 5 &&
	assert_eq "$(value istio_request_bytes_count "$L")" 5 &&
	assert_eq "$(value istio_response_bytes_count "$L")" 5 &&
	assert_eq "$(value istio_response_bytes_sum "$L")" 30 "5 answers of 'id=b2\\n'" &&
	assert_eq "$(value istio_request_duration_milliseconds_bucket "$L le=+Inf")" 5 && t_pass

t_begin "404 NR: no http route matched, the Service dialed is the destination"
L="$SRC destination_service=picky.default.svc.cluster.local destination_workload=unknown response_code=404 response_flags=NR"
assert_eq "$(value istio_requests_total "$L")" 1 "$(grep 'istio_requests_total' <<<"$M")" &&
	assert_eq "$(value istio_request_duration_milliseconds_count "$L")" 1 && t_pass

t_begin "503 UH: no endpoint, destination workload unknown"
L="$SRC destination_service=empty.default.svc.cluster.local destination_workload=unknown response_code=503 response_flags=UH"
assert_eq "$(value istio_requests_total "$L")" 1 &&
	assert_eq "$(value istio_request_duration_milliseconds_count "$L")" 1 && t_pass

t_begin "fault abort: 500 FI, sent to no workload"
L="$SRC destination_service=faulty.default.svc.cluster.local destination_workload=unknown response_code=500 response_flags=FI"
assert_eq "$(value istio_requests_total "$L")" 3 &&
	assert_eq "$(value istio_request_duration_milliseconds_count "$L")" 3 && t_pass

t_begin "every family's HELP and TYPE appear once; the agent's own metrics are there"
dups=$(grep -E '^# (HELP|TYPE) ' <<<"$M" | awk '{ print $2, $3 }' | sort | uniq -d)
assert_eq "$dups" "" && assert_contains "$M" "sluice_agent_info{" &&
	assert_contains "$M" "# TYPE istio_request_duration_milliseconds histogram" && t_pass

t_begin "the proxy's admin endpoint: the same series on GET /stats/prometheus"
P=$(admin /stats/prometheus)
M=$P
L="$SRC destination_service=web.default.svc.cluster.local destination_workload=web response_code=200"
assert_eq "$(value istio_requests_total "$L")" 5 && assert_not_contains "$P" "sluice_proxy_up " && t_pass

t_begin "proxy killed: the agent serves its own metrics and sluice_proxy_up 0"
stop_proxy KILL
M=$(agent_metrics)
assert_ok grep -qx 'sluice_proxy_up 0' <<<"$M" && assert_contains "$M" "sluice_agent_info{" &&
	assert_not_contains "$M" "istio_requests_total" && t_pass

t_begin "proxy restarted: its stale socket replaced, up again"
if start_proxy "${PROXY_ARGS[@]}"; then
	ok=$(codes 2 "http://$WEB/id")
	M=$(agent_metrics)
	L="$SRC destination_service=web.default.svc.cluster.local response_code=200"
	assert_eq "$ok" "200 2" && assert_ok grep -qx 'sluice_proxy_up 1' <<<"$M" &&
		assert_eq "$(value istio_requests_total "$L")" 2 "a new proxy counts from zero" && t_pass
else
	t_fail "not ready: $(tail -5 "$T_TMP/proxy.log")"
fi

t_begin "proxy stopped cleanly: its socket is removed"
stop_proxy
if [ -e "$CTL" ]; then t_fail "$CTL still there"; else t_pass; fi

# gone LABELS...: the agent's metrics have no istio_requests_total series with LABELS.
gone() {
	M=$(agent_metrics)
	grep -qx 'sluice_proxy_up 1' <<<"$M" && [ -z "$(value istio_requests_total "$@")" ]
}
t_begin "a series no request updates for --request-series-idle ends (evicted by its worker)"
if start_proxy "${PROXY_ARGS[@]}" --request-series-idle 1s; then
	ok=$(codes 1 "http://$WEB/id")
	M=$(agent_metrics)
	L="$SRC destination_service=web.default.svc.cluster.local response_code=200"
	if assert_eq "$ok" "200 1" && assert_eq "$(value istio_requests_total "$L")" 1; then
		if wait_until 20 gone "$L"; then
			assert_ok grep -qx 'sluice_proxy_request_series_evicted_total [1-9][0-9]*' <<<"$M" &&
				assert_ok grep -qx 'sluice_proxy_request_series 0' <<<"$M" && t_pass
		else
			t_fail "still there: $(grep '^istio_requests_total' <<<"$M")"
		fi
	fi
else
	t_fail "not ready: $(tail -5 "$T_TMP/proxy.log")"
fi
stop_proxy
