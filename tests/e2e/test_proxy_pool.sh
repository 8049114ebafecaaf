#!/usr/bin/env bash
# sluice-proxy's connection pool, retry and rewrite settings end to end: a one-node
# testbed (the setup of test_proxy.sh) whose proxy runs one worker, so the per-worker
# shares of the destinations' limits are the limits written (conn_limit.h), with real
# servers (tests/tools/sl-http-backend.py) in pods p2..p5 and curl in p1. It runs with
# --io-uring off, so the one-writev()-per-write path stays tested (the other suites
# run the default, batched through io_uring):
#  - http2MaxRequests: requests over it at once are answered 503 UO;
#  - maxRetries: a retry over it is not made, the try's answer (503) goes out with UO
#    and upstream_rq_retry_overflow counts it;
#  - retries.backoff: retries still turn a flaky endpoint's 503s into successes, and
#    they waited (upstream_rq_retry_backoff);
#  - tcpKeepalive: the upstream socket has the keepalive timer (ss -o), at TCP_KEEPIDLE;
#  - maxConnectionDuration: a pooled connection older than it is not reused (the
#    backend sees a new peer port);
#  - uriRegexRewrite: the backend receives the rewritten path, the query kept;
#  - corsPolicy: a preflight from an allowed origin is answered by the proxy (200 and
#    the Access-Control-Allow-* fields; the backend never sees it), one from another
#    origin is forwarded; an actual request from an allowed origin gets Allow-Origin
#    and Expose-Headers, one without Origin nothing.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_cmd /usr/bin/python3 curl ss
[ -x "$SLUICE_BIN/sluice-proxy" ] || t_skip_file "$SLUICE_BIN/sluice-proxy missing (run make all)"

BACKEND="$REPO/tests/tools/sl-http-backend.py"
PY=/usr/bin/python3

tb_up --nodes 1 --pods 5 --no-agent >"$T_TMP/up.log" 2>&1 || {
	cat "$T_TMP/up.log"
	exit 1
}
tb_env
proxy_env
mkdir -p "$T_TMP/proxy"
chmod 0755 "$T_TMP"

LIM=10.96.7.10
RTY=10.96.7.20
BKO=10.96.7.30
KA=10.96.7.40
RW=10.96.7.50
CORS=10.96.7.60
P2=$TB_POD_node1_p2_IP4

tb agent node1 start -- --proxy-addr "$TB_NODE_node1_IP4:15001" --proxy-cgroup "$PROXY_CG" \
	>"$T_TMP/agent.log" 2>&1 || {
	cat "$T_TMP/agent.log"
	exit 1
}

# dr NAME POLICY: a DestinationRule for NAME with trafficPolicy POLICY (flow style).
dr() {
	printf -- '---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\n'
	printf 'metadata: {name: %s, namespace: default}\nspec:\n  host: %s\n  trafficPolicy: %s\n' "$1" "$1" "$2"
}

{
	tb pods
	l7_svc lim $LIM node1-p2
	dr lim '{connectionPool: {http: {http2MaxRequests: 2}}}'
	ROUTE_EXTRA='    retries: {attempts: 2, retryOn: 5xx}'
	l7_svc rty $RTY node1-p3 node1-p4
	dr rty '{loadBalancer: {simple: ROUND_ROBIN}, connectionPool: {http: {maxRetries: 1}}}'
	ROUTE_EXTRA='    retries: {attempts: 3, retryOn: 5xx, backoff: 100ms}'
	l7_svc bko $BKO node1-p5
	l7_svc ka $KA node1-p2
	dr ka '{connectionPool: {tcp: {maxConnectionDuration: 1s, tcpKeepalive: {time: 7s, interval: 3s, probes: 4}}}}'
	ROUTE_EXTRA='    rewrite: {uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: "\\2/instance/\\1"}}'
	l7_svc rw $RW node1-p2
	ROUTE_EXTRA='    corsPolicy: {allowOrigins: [{exact: "http://app.example"}, {regex: "https://[a-z]+\\.example"}], allowMethods: [GET, POST], allowHeaders: [x-token], exposeHeaders: [x-total], maxAge: 10m, allowCredentials: true}'
	l7_svc cors $CORS node1-p2
} >"$T_TMP/cluster.yaml"

t_begin "the agent and the proxy take the pool, retry and rewrite settings (nothing refused)"
out=$(tb ctl node1 -- apply -f "$T_TMP/cluster.yaml" 2>&1)
if assert_contains "$out" "destinationrule/default/ka created"; then
	cp "$T_TMP/cluster.yaml" "$T_TMP/proxy/config.yaml"
	t_pass
else
	exit 1
fi

tb_bg node1-p2 "$T_TMP/b2.log" -- "$PY" "$BACKEND" --id b2 --port 8080
tb_bg node1-p3 "$T_TMP/b3.log" -- "$PY" "$BACKEND" --id bad --port 8080 --status 503
tb_bg node1-p4 "$T_TMP/b4.log" -- "$PY" "$BACKEND" --id b4 --port 8080
tb_bg node1-p5 "$T_TMP/b5.log" -- "$PY" "$BACKEND" --id b5 --port 8080
for f in b2 b3 b4 b5; do
	wait_until 10 grep -q '^listening' "$T_TMP/$f.log" || {
		echo "backend $f did not start: $(cat "$T_TMP/$f.log")" >&2
		exit 1
	}
done

curl_pod() { tb exec node1-p1 -- curl -s --max-time 10 "$@" 2>&1; }
# expect_log PATTERN: passes when a line of the access log matches within 5 s.
expect_log() {
	if wait_until 5 grep -q "$1" "$T_TMP/access.log"; then
		t_pass
	else
		t_fail "no line like $1: $(tail -2 "$T_TMP/access.log")"
	fi
}

t_begin "sluice-proxy (one worker) starts with the snapshot"
if start_proxy --workers 1 --io-uring off --config "$T_TMP/proxy/config.yaml" \
	--access-log "$T_TMP/access.log"; then
	t_pass
else
	t_fail "not ready: $(tail -5 "$T_TMP/proxy.log")"
	exit 1
fi

t_begin "http2MaxRequests 2: of 4 slow requests at once, 2 are served and 2 answered 503 UO"
codes=$(tb exec node1-p1 -- sh -c "for i in 1 2 3 4; do curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' http://$LIM/slow?ms=1500 & done; wait" 2>&1)
ok=$(grep -c '^200$' <<<"$codes")
uo=$(grep -c '^503$' <<<"$codes")
if assert_eq "$ok" 2 "200s: $(tr '\n' ' ' <<<"$codes")" && assert_eq "$uo" 2 "503s"; then
	expect_log "\"GET /slow?ms=1500 HTTP/1.1\" 503 UO .* $LIM:80 .* lim outbound|80||lim.default.svc.cluster.local\$"
fi

t_begin "maxRetries 1: while one retry is in flight another is not made (the 503 goes out, flag UO)"
# Round robin over the broken endpoint (503) and a good one: requests first sent to
# the broken one want a retry; the first gets it (to the good one, 2.5 s), the next
# one while it runs does not.
codes=$(tb exec node1-p1 -- sh -c "for i in 1 2 3 4; do curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' http://$RTY/slow?ms=2500 & sleep 0.3; done; wait" 2>&1)
ok=$(grep -c '^200$' <<<"$codes")
bad=$(grep -c '^503$' <<<"$codes")
if [ "$ok" -ge 2 ] && [ "$bad" -ge 1 ] && [ $((ok + bad)) -eq 4 ] &&
	[ "$(stat_of upstream_rq_retry_overflow)" -ge 1 ] && [ "$(stat_of upstream_rq_retry)" -ge 1 ]; then
	expect_log "\"GET /slow?ms=2500 HTTP/1.1\" 503 UO .* $RTY:80 $TB_POD_node1_p3_IP4:8080 rty "
else
	t_fail "codes: $(tr '\n' ' ' <<<"$codes"), retries $(stat_of upstream_rq_retry), overflow $(stat_of upstream_rq_retry_overflow); $(grep -c REQ "$T_TMP/b3.log") to bad; $(grep "$RTY" "$T_TMP/access.log")"
fi

t_begin "retries with backoff 100ms turn the flaky endpoint's 503s into successes, after a wait"
before=$(stat_of upstream_rq_retry)
codes=$(tb exec node1-p1 -- curl -s --max-time 30 -o /dev/null -w '%{http_code}\n' "http://$BKO/flaky?[1-10]" 2>&1 | sort | uniq -c | awk '{ print $2, $1 }')
retries=$(($(stat_of upstream_rq_retry) - before))
waited=$(stat_of upstream_rq_retry_backoff)
if assert_eq "$codes" "200 10" && assert_eq "$retries" 10 "retries"; then
	# Full jitter may draw a 0 ms wait (no wait); most draws are not.
	if [ "$waited" -ge 5 ] && [ "$(grep -c '/flaky' "$T_TMP/b5.log")" -eq 20 ]; then
		expect_log "\"GET /flaky?10 HTTP/1.1\" 200 - .* $BKO:80 $TB_POD_node1_p5_IP4:8080 bko "
	else
		t_fail "upstream_rq_retry_backoff $waited, backend requests $(grep -c '/flaky' "$T_TMP/b5.log")"
	fi
fi

# ka_sockets: the proxy's connections to p2:8080 as ss shows them, with timers.
ka_sockets() { node ss -tnoH state established "( dst $P2:8080 )"; }

t_begin "tcpKeepalive: the pooled upstream connection has the keepalive timer, within time 7s"
out=$(curl_pod "http://$KA/id")
sock=$(ka_sockets)
# ss prints 6 s 992 ms as "6.992ms", 7 s as "7sec" (the OS's 2 h would be "120min").
if assert_eq "$out" "id=b2" && assert_contains "$sock" "timer:(keepalive"; then
	assert_match "$sock" 'timer:\(keepalive,([0-6](\.[0-9]{3}ms|sec)|7sec|[0-9]{1,3}ms),' && t_pass
fi

t_begin "a Service without tcpKeepalive: its upstream connection has no keepalive timer"
# lim's pooled connections are to the same endpoint: those are the only ones whose
# local port differs from ka's (closed by its 1 s duration by now).
sleep 1.5
out=$(curl_pod "http://$LIM/id")
sock=$(ka_sockets)
if assert_eq "$out" "id=b2" && [ -n "$sock" ]; then
	assert_not_contains "$sock" "keepalive" && t_pass
else
	t_fail "no socket to $P2:8080"
fi

# peer_ports: the source ports p2's backend sees connections from (its established
# sockets on 8080).
peer_ports() { tb exec node1-p2 -- ss -tnH state established '( sport = :8080 )' | awk '{ n = split($4, a, ":"); print a[n] }' | sort; }

t_begin "maxConnectionDuration 1s: a pooled connection is reused before it, not after (a new peer port)"
sleep 1.5 # every connection to p2 is idle now; ka's are past 1 s and closed
before_total=$(stat_of upstream_cx_total)
a=$(curl_pod "http://$KA/id")
ports1=$(peer_ports)
b=$(curl_pod "http://$KA/id")
mid_total=$(stat_of upstream_cx_total)
sleep 1.5
c=$(curl_pod "http://$KA/id")
after_total=$(stat_of upstream_cx_total)
ports2=$(peer_ports)
if assert_eq "$a$b$c" "id=b2id=b2id=b2" && assert_eq "$((mid_total - before_total))" 1 "connections for the first two" &&
	assert_eq "$((after_total - mid_total))" 1 "connections for the third" &&
	[ "$(stat_of upstream_cx_max_duration_reached)" -ge 1 ]; then
	new=$(comm -13 <(echo "$ports1") <(echo "$ports2"))
	if [ -n "$new" ]; then
		t_pass
	else
		t_fail "the backend saw no new peer port: before $ports1, after $ports2"
	fi
else
	t_fail "connections $before_total $mid_total $after_total, max_duration $(stat_of upstream_cx_max_duration_reached)"
fi

t_begin "uriRegexRewrite: the backend receives the rewritten path with the query"
out=$(curl_pod "http://$RW/service/foo/v1/api?id=service")
if assert_eq "$out" "id=b2 path=/v1/api/instance/foo?id=service"; then
	expect_log "\"GET /service/foo/v1/api?id=service HTTP/1.1\" 200 - .* $RW:80 $P2:8080 rw "
fi

# cors_head ARGS...: the status line and header fields of a request to cors, CRs removed.
cors_head() { curl_pod -o /dev/null -D - "$@" | tr -d '\r'; }

t_begin "corsPolicy: a preflight from an allowed origin is answered by the proxy, never reaching the backend"
out=$(cors_head -X OPTIONS -H "Origin: http://app.example" -H "Access-Control-Request-Method: POST" \
	-H "Access-Control-Request-Headers: x-token" "http://$CORS/cors-pre-ok")
if assert_contains "$out" "HTTP/1.1 200 OK" &&
	assert_contains "$out" "access-control-allow-origin: http://app.example" &&
	assert_contains "$out" "access-control-allow-methods: GET,POST" &&
	assert_contains "$out" "access-control-allow-headers: x-token" &&
	assert_contains "$out" "access-control-max-age: 600" &&
	assert_contains "$out" "access-control-allow-credentials: true"; then
	# The backend logs a request before it answers: a forwarded preflight would be in
	# its log by now. A preflight it does receive shows the log is being written.
	curl_pod -X OPTIONS -H "Origin: https://evil.test" -H "Access-Control-Request-Method: POST" \
		"http://$CORS/cors-pre-probe" >/dev/null
	if wait_until 5 grep -q 'OPTIONS /cors-pre-probe' "$T_TMP/b2.log"; then
		if grep -q '/cors-pre-ok' "$T_TMP/b2.log"; then
			t_fail "the backend received the preflight: $(grep '/cors-pre-ok' "$T_TMP/b2.log")"
		else
			t_pass
		fi
	else
		t_fail "the forwarded probe never reached the backend: $(tail -2 "$T_TMP/b2.log")"
	fi
fi

t_begin "corsPolicy: a preflight from another origin is forwarded, no CORS fields added"
out=$(curl_pod -i -X OPTIONS -H "Origin: https://evil.test" -H "Access-Control-Request-Method: POST" \
	"http://$CORS/cors-pre-fwd" | tr -d '\r')
if assert_contains "$out" "id=b2 path=/cors-pre-fwd" && assert_not_contains "$out" "access-control-"; then
	if grep -q 'REQ b2 OPTIONS /cors-pre-fwd' "$T_TMP/b2.log"; then
		t_pass
	else
		t_fail "not in the backend log: $(tail -2 "$T_TMP/b2.log")"
	fi
fi

t_begin "corsPolicy: an actual GET from an allowed origin gets Allow-Origin, Expose-Headers, Allow-Credentials"
out=$(curl_pod -i -H "Origin: https://web.example" "http://$CORS/cors-get" | tr -d '\r')
if assert_contains "$out" "id=b2 path=/cors-get" &&
	assert_contains "$out" "access-control-allow-origin: https://web.example" &&
	assert_contains "$out" "access-control-expose-headers: x-total" &&
	assert_contains "$out" "access-control-allow-credentials: true"; then
	assert_not_contains "$out" "access-control-allow-methods" && t_pass
fi

t_begin "corsPolicy: a GET without Origin, or from another origin, gets no CORS fields"
a=$(curl_pod -i "http://$CORS/cors-plain" | tr -d '\r')
b=$(curl_pod -i -H "Origin: https://web.example.org" "http://$CORS/cors-other" | tr -d '\r')
if assert_contains "$a" "id=b2 path=/cors-plain" && assert_contains "$b" "id=b2 path=/cors-other"; then
	assert_not_contains "$a$b" "access-control-" && t_pass
fi

t_begin "with --io-uring off, every write was its own system call (nothing batched)"
assert_eq "$(stat_of writes_batched)/$(stat_of write_batches)" "0/0" && t_pass
