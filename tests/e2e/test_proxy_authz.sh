#!/usr/bin/env bash
# L7 AuthorizationPolicy in sluice-proxy, end to end: a one-node testbed whose agent
# steers Services to the node's sluice-proxy, real curl clients in two pods with
# different identities (default/sleep, default/other), real servers in two more:
#  - an AuthorizationPolicy with HTTP fields alone makes its Service L7 (no
#    VirtualService): method, path, notPaths, host and header (`when`) rules, the
#    principal of the source pod, DENY before ALLOW; 403 "RBAC: access denied", the
#    access log's RBAC flag and the rbac_* counters;
#  - path normalization: `/public/../admin` and `//admin` are denied as /admin,
#    `/admin/../public/x` is allowed and the backend receives /public/x; over a raw
#    socket `%2e%2e` segments are resolved the same way, `%2F`, `%5C` and `%00` get
#    400 and reach no backend;
#  - a backend whose L4 policy allows only the sleep principal is reachable through
#    the proxy (the kernel lets the proxy's source in; the proxy judges with the
#    client's identity: other gets 403), while the same backend's pod IP dialled
#    directly is still judged by the kernel (sleep passes, other does not), and the
#    HTTP-rule backend's pod IP gives no access at all (Istio's TCP reading);
#  - a VirtualService route's rewrite and header operations are what the destination's
#    policies see (as Istio's server-side check sees the client side's rewrites).
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo sl-probe
require_cmd /usr/bin/python3 curl
[ -x "$SLUICE_BIN/sluice-proxy" ] || t_skip_file "$SLUICE_BIN/sluice-proxy missing (run make all)"

BACKEND="$REPO/tests/tools/sl-http-backend.py"
RAW="$REPO/tests/tools/sl-http-raw.py"
PY=/usr/bin/python3

tb_up --nodes 1 --pods 4 --no-agent >"$T_TMP/up.log" 2>&1 || {
	cat "$T_TMP/up.log"
	exit 1
}
tb_env
proxy_env
chmod 0755 "$T_TMP"

HTTPBIN4=10.96.6.10
SECURE4=10.96.6.20
SECURE6=fd00:10:96::6:14
LEGACY4=10.96.6.30
P3=$TB_POD_node1_p3_IP4
P4=$TB_POD_node1_p4_IP4

tb agent node1 start -- --proxy-addr "$TB_NODE_node1_IP4:15001" \
	--proxy-addr6 "[$TB_NODE_node1_IP6]:15001" --proxy-cgroup "$PROXY_CG" >"$T_TMP/agent.log" 2>&1 || {
	cat "$T_TMP/agent.log"
	exit 1
}

# Identities: p1 default/sleep and p2 default/other are the clients; p3 runs httpbin
# (app=httpbin), p4 runs secure (app=secure).
cluster() {
	tb pods --sa node1-p1=sleep --sa node1-p2=other --sa node1-p3=httpbin --sa node1-p4=secure \
		--label node1-p3:app=httpbin --label node1-p4:app=secure
	cat <<EOT
---
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: default}
spec:
  clusterIP: $HTTPBIN4
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: secure, namespace: default}
spec:
  clusterIPs: [$SECURE4, "$SECURE6"]
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: legacy, namespace: default}
spec:
  clusterIP: $LEGACY4
  ports: [{name: http, port: 80, targetPort: 8080}]
---
EOT
	tb endpointslice --service default/httpbin --port http:8080/TCP node1-p3
	for fam in 4 6; do
		echo "---"
		tb endpointslice --service default/secure --family "$fam" --port http:8080/TCP node1-p4
	done
	cat <<'EOT'
---
# httpbin: HTTP rules only (no VirtualService): the policy alone hands it to the proxy.
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: httpbin-allow, namespace: default}
spec:
  selector: {matchLabels: {app: httpbin}}
  rules:
  - from:
    - source: {principals: ["cluster.local/ns/default/sa/sleep"]}
    to:
    - operation:
        methods: [GET, HEAD]
        paths: ["/public/*", /id, /headers]
        notPaths: ["/public/secret*"]
  - from:
    - source: {principals: ["*/sa/sleep"]}
    to:
    - operation:
        methods: [POST]
        hosts: [httpbin.default.svc.cluster.local]
  - when:
    - key: request.headers[x-token]
      values: [letmein]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: httpbin-deny-admin, namespace: default}
spec:
  selector: {matchLabels: {app: httpbin}}
  action: DENY
  rules:
  - to:
    - operation: {paths: ["/admin*"]}
---
# secure: an L4 rule (by principal); a VirtualService makes it L7.
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: secure-sleep-only, namespace: default}
spec:
  selector: {matchLabels: {app: secure}}
  rules:
  - from:
    - source: {principals: ["cluster.local/ns/default/sa/sleep"]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: secure, namespace: default}
spec:
  hosts: [secure]
  http:
  - route:
    - destination: {host: secure}
---
# legacy: /v1/... is httpbin's /..., with the token the route adds.
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: legacy, namespace: default}
spec:
  hosts: [legacy]
  http:
  - match: [{uri: {prefix: /v1/}}]
    rewrite: {uri: /}
    headers:
      request:
        set: {x-token: letmein}
    route:
    - destination: {host: httpbin, port: {number: 80}}
EOT
}

mkdir -p "$T_TMP/proxy"
t_begin "the agent takes the policies and the Services (the HTTP rule makes httpbin L7)"
cluster >"$T_TMP/cluster.yaml"
if out=$(tb ctl node1 -- apply -f "$T_TMP/cluster.yaml" 2>&1); then
	cp "$T_TMP/cluster.yaml" "$T_TMP/proxy/config.yaml"
	t_pass
else
	t_fail "apply: $out"
	exit 1
fi

tb_bg node1-p3 "$T_TMP/b3.log" -- "$PY" "$BACKEND" --id httpbin --port 8080
tb_bg node1-p4 "$T_TMP/b4.log" -- "$PY" "$BACKEND" --id secure --port 8080
if ! wait_until 10 grep -q '^listening' "$T_TMP/b3.log" ||
	! wait_until 10 grep -q '^listening' "$T_TMP/b4.log"; then
	echo "backends did not start: $(cat "$T_TMP/b3.log" "$T_TMP/b4.log")" >&2
	exit 1
fi


t_begin "sluice-proxy starts and reports ready, the policies' pods in its snapshot"
if start_proxy --listen "[$TB_NODE_node1_IP6]:15001" --workers 2 \
	--config "$T_TMP/proxy/config.yaml" --access-log "$T_TMP/access.log" --connect-timeout 2s; then
	out=$(admin /config)
	assert_contains "$out" "authz_pods 2" && assert_contains "$out" "trust_domain cluster.local" && t_pass
else
	t_fail "not ready: $(tail -5 "$T_TMP/proxy.log")"
	exit 1
fi

# code POD ARGS...: the status curl gets in POD (000: no answer).
code() {
	local pod=$1
	shift
	tb exec "$pod" -- curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@" 2>/dev/null
}
# body POD ARGS...: what curl gets in POD.
body() {
	local pod=$1
	shift
	tb exec "$pod" -- curl -s --max-time 5 "$@" 2>&1
}
# expect_code WANT POD ARGS...
expect_code() {
	local want=$1 got
	shift
	got=$(code "$@")
	assert_eq "$got" "$want" "status of curl $*" && t_pass
}
SLEEP=node1-p1
OTHER=node1-p2

t_run "sleep: GET /id is allowed (method, path, principal)" expect_code 200 $SLEEP "http://$HTTPBIN4/id"
t_run "sleep: GET /public/x is allowed (path prefix)" expect_code 200 $SLEEP "http://$HTTPBIN4/public/x"
t_run "sleep: GET /public/secret.txt is denied (notPaths)" expect_code 403 $SLEEP "http://$HTTPBIN4/public/secret.txt"
t_run "sleep: DELETE /id is denied (method)" expect_code 403 $SLEEP -X DELETE "http://$HTTPBIN4/id"
t_run "sleep: GET /other is denied (no rule names the path)" expect_code 403 $SLEEP "http://$HTTPBIN4/other"
t_run "sleep: POST with Host httpbin.default.svc.cluster.local is allowed (hosts)" expect_code 200 $SLEEP \
	-H "Host: httpbin.default.svc.cluster.local" -d x "http://$HTTPBIN4/flaky-not"
t_run "sleep: POST with Host HTTPBIN.default.svc.cluster.local:80 is allowed (case, port)" expect_code 200 $SLEEP \
	-H "Host: HTTPBIN.default.svc.cluster.local:80" -d x "http://$HTTPBIN4/flaky-not"
t_run "sleep: POST with another Host is denied (hosts)" expect_code 403 $SLEEP -H "Host: evil.example" -d x "http://$HTTPBIN4/x"
t_run "other: GET /id is denied (principal of the source pod)" expect_code 403 $OTHER "http://$HTTPBIN4/id"
t_run "other: GET /id with x-token: letmein is allowed (when request.headers)" expect_code 200 $OTHER \
	-H "x-token: letmein" "http://$HTTPBIN4/id"
t_run "other: a wrong x-token is denied" expect_code 403 $OTHER -H "x-token: LETMEIN" "http://$HTTPBIN4/id"
t_run "DENY before ALLOW: /admin with x-token is denied" expect_code 403 $OTHER -H "x-token: letmein" "http://$HTTPBIN4/admin"

t_begin "a denial is 403 'RBAC: access denied', flag RBAC in the access log, counted"
before=$(stat_of rbac_denied)
out=$(tb exec $OTHER -- curl -s -i --max-time 5 "http://$HTTPBIN4/id?deny-check" 2>&1)
after=$(stat_of rbac_denied)
if assert_contains "$out" "HTTP/1.1 403 Forbidden" && assert_contains "$out" "RBAC: access denied" &&
	assert_eq "$after" "$((before + 1))" "rbac_denied"; then
	if wait_until 5 grep -q '"GET /id?deny-check HTTP/1.1" 403 RBAC ' "$T_TMP/access.log"; then
		t_pass
	else
		t_fail "access log: $(tail -2 "$T_TMP/access.log")"
	fi
fi

t_begin "a denied request reaches no backend"
if grep -q 'deny-check' "$T_TMP/b3.log"; then
	t_fail "the backend saw: $(grep deny-check "$T_TMP/b3.log")"
else
	t_pass
fi

# --- path normalization ---------------------------------------------------------------
t_run "curl --path-as-is /public/../admin is denied (normalized to /admin)" expect_code 403 $OTHER \
	-H "x-token: letmein" --path-as-is "http://$HTTPBIN4/public/../admin"
t_run "curl --path-as-is //admin is denied (slashes merged)" expect_code 403 $OTHER \
	-H "x-token: letmein" --path-as-is "http://$HTTPBIN4//admin"

t_begin "curl --path-as-is /admin/../public/x is allowed; the backend receives /public/x"
out=$(body $SLEEP --path-as-is "http://$HTTPBIN4/admin/../public/x?q=/../a")
assert_eq "$out" "id=httpbin path=/public/x?q=/../a" && t_pass

# raw REQUEST-LINE-TARGET: the raw client's answer for GET TARGET.
raw() {
	tb exec $SLEEP -- "$PY" "$RAW" send "$HTTPBIN4" 80 "GET $1 HTTP/1.1\\r\\nHost: httpbin\\r\\nConnection: close\\r\\n\\r\\n" 2>&1
}
t_begin "raw socket: /public/%2e%2e/admin is denied (the escape is a dot segment)"
out=$(raw '/public/%2e%2e/admin')
assert_contains "$out" "HTTP/1.1 403 Forbidden" && t_pass

t_begin "raw socket: /public/%2E%2e/%69d is allowed as /id; the backend receives /id"
out=$(raw '/public/%2E%2e/%69d')
if assert_contains "$out" "id=httpbin"; then
	if wait_until 5 grep -q '^REQ httpbin GET /id ' "$T_TMP/b3.log"; then
		t_pass
	else
		t_fail "backend log: $(tail -2 "$T_TMP/b3.log")"
	fi
fi

t_begin "raw socket: /public/.%2E/x%3a is allowed as /x%3A... and normalized on the way"
out=$(raw '/public/a/.%2E/b%3a')
assert_contains "$out" "path=/public/b%3A" && t_pass

t_begin "raw socket: absolute-form targets are normalized too (and one without a path is /)"
a=$(raw 'http://httpbin/public/%2E%2E/id')
b=$(raw 'http://httpbin')
if assert_contains "$a" "id=httpbin" && assert_contains "$b" "HTTP/1.1 403 Forbidden"; then
	if admin /ready >/dev/null; then
		t_pass
	else
		t_fail "the proxy is gone: $(tail -3 "$T_TMP/proxy.log")"
	fi
fi

bad_path() {
	local out
	out=$(raw "$1")
	assert_contains "$out" "HTTP/1.1 400 Bad Request" || return 1
	sleep 0.2
	! grep -q "$2" "$T_TMP/b3.log" || t_fail "the backend saw: $(grep "$2" "$T_TMP/b3.log")"
}
t_run "raw socket: an escaped slash (%2F) is refused with 400, nothing forwarded" bad_path '/public/x%2F..%2Fadmin-esc1' admin-esc1
t_run "raw socket: an escaped backslash (%5c) is refused with 400" bad_path '/public/x%5c..%5cadmin-esc2' admin-esc2
t_run "raw socket: %00 is refused with 400" bad_path '/public/nul%00-esc3' esc3

# --- what the destination's policies see ----------------------------------------------
t_begin "through a route: other's /v1/id is httpbin's /id with the route's x-token: allowed"
out=$(body $OTHER "http://$LEGACY4/v1/id")
assert_eq "$out" "id=httpbin" && t_pass
t_run "through a route: /v1/admin is rewritten to /admin: denied" expect_code 403 $OTHER "http://$LEGACY4/v1/admin"
t_run "through a route: /v1/../admin is normalized first (no /v1/ prefix): no route" expect_code 404 $OTHER \
	--path-as-is "http://$LEGACY4/v1/../admin"

# --- the kernel and the proxy's sources ------------------------------------------------
t_run "secure through the proxy: sleep is allowed (L4 rule, the client's principal)" expect_code 200 $SLEEP "http://$SECURE4/id"
t_run "secure through the proxy: other gets 403 (the proxy enforces the L4 rule)" expect_code 403 $OTHER "http://$SECURE4/id"
t_run "secure over IPv6 through the proxy: sleep is allowed (the proxy's IPv6 source)" expect_code 200 $SLEEP -g "http://[$SECURE6]/id"
t_run "secure over IPv6 through the proxy: other gets 403" expect_code 403 $OTHER -g "http://[$SECURE6]/id"

t_begin "secure's pod IP dialled directly: the kernel lets sleep in"
out=$(body $SLEEP "http://$P4:8080/id")
assert_eq "$out" "id=secure" && t_pass

t_begin "secure's pod IP dialled directly: the kernel keeps other out"
out=$(code $OTHER "http://$P4:8080/id")
assert_eq "$out" "000" "no HTTP answer" && t_pass

t_begin "httpbin's pod IP dialled directly: an ALLOW rule with HTTP fields gives no access (TCP reading)"
a=$(code $SLEEP "http://$P3:8080/id")
b=$(code $OTHER -H "x-token: letmein" "http://$P3:8080/id")
assert_eq "$a" "000" "sleep" && assert_eq "$b" "000" "other" && t_pass

t_begin "without the proxy's sources the kernel refuses the proxy (what --proxy-sources is for)"
tb agent node1 stop >/dev/null 2>&1
if tb agent node1 start -- --proxy-addr "$TB_NODE_node1_IP4:15001" \
	--proxy-addr6 "[$TB_NODE_node1_IP6]:15001" --proxy-cgroup "$PROXY_CG" --proxy-sources "" \
	>>"$T_TMP/agent.log" 2>&1; then
	# Connection failures are retried (Istio's default policy): three tries of 2 s.
	out=$(tb exec $SLEEP -- curl -s --max-time 20 -o /dev/null -w '%{http_code}' "http://$SECURE4/id" 2>/dev/null)
	assert_eq "$out" "503" "the proxy cannot connect" && t_pass
else
	t_fail "agent restart: $(tail -3 "$T_TMP/agent.log")"
fi
