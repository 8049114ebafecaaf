#!/usr/bin/env bash
# sluice-proxy end to end: a one-node testbed whose agent steers connections to L7
# Services to the node's sluice-proxy (in the node's proxy cgroup), real clients (curl,
# a raw-socket client, a WebSocket client) in one pod and real servers (the standard
# library HTTP/1.1 server tests/tools/sl-http-backend.py) in others:
#  - requests through the VIP over IPv4 and IPv6 reach the Service's endpoint, and
#    curl in the pod still sees the VIP as its peer;
#  - keep-alive on both sides (the pool's reuse counter), chunked bodies both ways
#    byte-exact, Expect: 100-continue, WebSocket through a 101, an HTTP/1.0 client;
#    a FIN in the same segment as the last bytes (either side), a pooled connection
#    the server closed while idle (not reused);
#  - forwarding fields (x-forwarded-for, x-request-id) added and trace context passed
#    through untouched;
#  - smuggling shapes refused with 400 and the connection closed, nothing forwarded;
#    a slow head cut by the header timeout (408);
#  - no ready endpoint (503 UH), endpoint down (503 UF);
#  - a configuration reload while a keep-alive connection is open and a download is in
#    flight: neither is dropped, new requests go to the new endpoint;
#  - access log lines in text and JSON; a connection that did not come through the
#    handoff is refused;
#  - VirtualService http routes and DestinationRule L7 settings, with real servers per
#    version (pods p5, p6, p7 labelled version=v1, v2, v3): Bookinfo's reviews routing
#    (end-user: jason, 90/10 and 50/50 splits), its ratings delay and abort faults,
#    redirect, rewrite, header operations, and a Service without L7 configuration
#    still bypassing the proxy.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo sl-probe
require_cmd /usr/bin/python3 curl bpftool
[ -x "$SLUICE_BIN/sluice-proxy" ] || t_skip_file "$SLUICE_BIN/sluice-proxy missing (run make all)"

BACKEND="$REPO/tests/tools/sl-http-backend.py"
RAW="$REPO/tests/tools/sl-http-raw.py"
PY=/usr/bin/python3

tb_up --nodes 1 --pods 7 --no-agent >"$T_TMP/up.log" 2>&1 || {
	cat "$T_TMP/up.log"
	exit 1
}
tb_env
proxy_env
PROXY_ARGS=(--listen "[$TB_NODE_node1_IP6]:15001" --workers 2 --config "$T_TMP/proxy/config.yaml"
	--header-timeout 2s)
chmod 0755 "$T_TMP" # the pods' servers run as root too, but say what they may read

WEB4=10.96.5.10
WEB6=fd00:10:96::5:a
EMPTY4=10.96.5.20
DOWN4=10.96.5.30
GHOST4=10.96.5.40
P2=$TB_POD_node1_p2_IP4
P3=$TB_POD_node1_p3_IP4

tb agent node1 start -- --proxy-addr "$TB_NODE_node1_IP4:15001" \
	--proxy-addr6 "[$TB_NODE_node1_IP6]:15001" --proxy-cgroup "$PROXY_CG" >"$T_TMP/agent.log" 2>&1 || {
	cat "$T_TMP/agent.log"
	exit 1
}

# cluster WEB_POD: Pods, the Services web (dual stack, endpoint WEB_POD), empty (no
# endpoint) and down (an endpoint where nothing listens), as the agent and the proxy
# both read them.
cluster() {
	tb pods --label node1-p5:version=v1 --label node1-p6:version=v2 --label node1-p7:version=v3
	cat <<EOT
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  clusterIPs: [$WEB4, "$WEB6"]
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: default}
spec:
  clusterIP: $EMPTY4
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: down, namespace: default}
spec:
  clusterIP: $DOWN4
  ports: [{name: http, port: 80, targetPort: 8080}]
EOT
	for fam in 4 6; do
		echo "---"
		tb endpointslice --service default/web --family "$fam" --port http:8080/TCP "$1"
	done
	echo "---"
	tb endpointslice --service default/down --port http:8080/TCP node1-p4
}

# vs_yaml HOST...: VirtualServices with one http route each to HOST (which makes the
# agent steer HOST to the proxy).
vs_yaml() {
	local h
	for h in "$@"; do
		cat <<EOT
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: $h, namespace: default}
spec:
  hosts: [$h]
  http:
  - route:
    - destination: {host: $h}
EOT
	done
}

# L7_FILES: more documents for the cluster (the L7 cases' Services and Istio objects).
L7_FILES=()
# apply_cluster WEB_POD: the cluster to the agent and, as a file, to the proxy's --config
# (written next to it and renamed into place, as a configuration push would). A
# VirtualService with an http route makes the agent steer a Service to the proxy.
apply_cluster() {
	local out f
	cluster "$1" >"$T_TMP/cluster.yaml"
	vs_yaml web empty down >>"$T_TMP/cluster.yaml"
	for f in "${L7_FILES[@]+"${L7_FILES[@]}"}"; do
		printf -- '---\n' >>"$T_TMP/cluster.yaml"
		cat "$f" >>"$T_TMP/cluster.yaml"
	done
	out=$(tb ctl node1 -- apply -f "$T_TMP/cluster.yaml" 2>&1) || {
		echo "$out"
		return 1
	}
	cp "$T_TMP/cluster.yaml" "$T_TMP/proxy/.config.tmp" && mv "$T_TMP/proxy/.config.tmp" "$T_TMP/proxy/config.yaml"
}

mkdir -p "$T_TMP/proxy"
t_begin "the agent steers the Services to the proxy (VirtualServices with http routes)"
if apply_cluster node1-p2; then
	t_pass
else
	t_fail "apply failed"
fi

# ghost: a Service the agent steers but the proxy's snapshot does not have (a
# configuration the proxy has not caught up with).
cat >"$T_TMP/ghost.yaml" <<EOT
apiVersion: v1
kind: Service
metadata: {name: ghost, namespace: default}
spec:
  clusterIP: $GHOST4
  ports: [{name: http, port: 80, targetPort: 8080}]
EOT
vs_yaml ghost >>"$T_TMP/ghost.yaml"
tb ctl node1 -- apply -f "$T_TMP/ghost.yaml" >/dev/null 2>&1

tb_bg node1-p2 "$T_TMP/b2.log" -- "$PY" "$BACKEND" --id b2 --port 8080
tb_bg node1-p3 "$T_TMP/b3.log" -- "$PY" "$BACKEND" --id b3 --port 8080
if ! wait_until 10 grep -q '^listening' "$T_TMP/b2.log" ||
	! wait_until 10 grep -q '^listening' "$T_TMP/b3.log"; then
	echo "backends did not start: $(cat "$T_TMP/b2.log" "$T_TMP/b3.log")" >&2
	exit 1
fi



t_begin "sluice-proxy starts with the snapshot and reports ready"
if start_proxy "${PROXY_ARGS[@]}" --access-log "$T_TMP/access.log"; then
	out=$(admin /config)
	assert_contains "$out" "version 1" && assert_contains "$out" "frontends 4" && t_pass
else
	t_fail "not ready: $(tail -5 "$T_TMP/proxy.log")"
	exit 1
fi

# curl_pod ARGS...: curl in the client pod.
curl_pod() { tb exec node1-p1 -- curl -s --max-time 10 "$@" 2>&1; }

t_begin "IPv4: a request through the VIP gets the endpoint's answer, via the proxy"
out=$(curl_pod "http://$WEB4/id")
if assert_eq "$out" "id=b2"; then
	if wait_until 5 grep -q "\"GET /id HTTP/1.1\" 200 .* $WEB4:80 $P2:8080 - outbound|80||web.default.svc.cluster.local\$" "$T_TMP/access.log"; then
		t_pass
	else
		t_fail "access log: $(tail -2 "$T_TMP/access.log")"
	fi
fi

t_begin "IPv6: the same over the IPv6 VIP"
out=$(curl_pod -g "http://[$WEB6]/id")
assert_eq "$out" "id=b2" && t_pass

t_begin "the proxy's writes went out through io_uring, a batch per event loop round"
wb=$(stat_of writes_batched)
nb=$(stat_of write_batches)
if [ "${wb:-0}" -ge 2 ] && [ "${nb:-0}" -ge 1 ] && [ "$wb" -ge "$nb" ]; then
	t_pass
else
	t_fail "writes_batched=$wb write_batches=$nb"
fi

t_begin "IPv4-mapped IPv6 client: the same, the proxy learns the IPv4 VIP"
out=$(tb exec node1-p1 -- "$PY" - "$WEB4" <<'EOF' 2>&1
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(("::ffff:" + sys.argv[1], 80))
print("peer=%s" % s.getpeername()[0])
s.sendall(b"GET /id HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n")
data = b""
while True:
    piece = s.recv(4096)
    if not piece:
        break
    data += piece
print(data.decode().split("\r\n\r\n", 1)[1].strip())
EOF
)
assert_contains "$out" "peer=::ffff:$WEB4" && assert_contains "$out" "id=b2" && t_pass

t_begin "curl -v in the pod shows it connected to the VIP"
out=$(curl_pod -v "http://$WEB4/id")
assert_contains "$out" "Connected to $WEB4 ($WEB4) port 80" && assert_contains "$out" "id=b2" && t_pass

t_begin "keep-alive: two requests on one client connection, the upstream connection reused"
before=$(stat_of upstream_cx_pool_reuse)
out=$(curl_pod -v "http://$WEB4/id" "http://$WEB4/id")
after=$(stat_of upstream_cx_pool_reuse)
if assert_contains "$out" "Re-using existing connection" &&
	assert_eq "$(grep -c '^id=b2' <<<"$out")" 2 && assert_match "$after" '^[0-9]+$'; then
	if [ "$after" -gt "$before" ]; then
		t_pass
	else
		t_fail "upstream_cx_pool_reuse $before -> $after"
	fi
fi

# The proxy stops reading a socket after a short read (conn.c fill_from): a FIN that came
# with the bytes raises no edge of its own, only the hang-up in the event's mask tells.
t_begin "a response delimited by the close, its segment carrying the FIN, reaches the client"
out=$(curl_pod -i --max-time 5 "http://$WEB4/eof")
rc=$?
assert_eq "$rc" 0 "curl's exit status" && assert_contains "$out" "HTTP/1.1 200 OK" &&
	assert_contains "$out" "id=b2 eof" && t_pass

t_begin "a keep-alive request whose segment carries the FIN is answered, then the connection closes"
out=$(tb exec node1-p1 -- "$PY" - "$WEB4" <<'EOF' 2>&1
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=5)
req = b"GET /id HTTP/1.1\r\nHost: web\r\n\r\n"
s.sendall(req)
data = b""
while not data.endswith(b"id=b2\n"):
    data += s.recv(4096)
print(data.split(b" ")[1].decode())
# the second request's one segment carries the FIN: corked, then shut down
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
s.sendall(req)
s.shutdown(socket.SHUT_WR)
data = b""
try:
    while True:
        piece = s.recv(4096)
        if not piece:
            print("closed=yes")
            break
        data += piece
except socket.timeout:
    print("closed=no")
print(data.split(b" ")[1].decode() if data else "none", data.split(b"\r\n\r\n")[-1].decode().strip())
EOF
)
assert_eq "$out" "200
closed=yes
200 id=b2" && t_pass

# The pool reuses an idle connection without looking at it (upstream.c): the server's
# close must already have ended it.
t_begin "a pooled connection the server closed while idle is not reused: the next GET and POST succeed"
resend0=$(stat_of upstream_rq_resend)
out=$(tb exec node1-p1 -- "$PY" - "$WEB4" <<'EOF' 2>&1
import socket, sys, time
s = socket.create_connection((sys.argv[1], 80), timeout=5)
f = s.makefile("rb")
def exchange(req):
    s.sendall(req)
    status = f.readline().split()[1].decode()
    n = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    print(status, f.read(n).decode().strip())
for last in (b"POST /upload HTTP/1.1\r\nHost: web\r\nContent-Length: 5\r\n\r\nhello",
             b"GET /id HTTP/1.1\r\nHost: web\r\n\r\n"):
    exchange(b"GET /idle-close?ms=200 HTTP/1.1\r\nHost: web\r\n\r\n")
    time.sleep(1)  # the server closes its side after 200 ms
    exchange(last)
EOF
)
want="200 id=b2
200 sha256=$(printf hello | sha256sum | cut -c1-64) bytes=5
200 id=b2
200 id=b2"
assert_eq "$out" "$want" && assert_eq "$(stat_of upstream_rq_resend)" "$resend0" "resent" && t_pass

t_begin "forwarding fields added, trace context and Host passed through"
tp=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01
out=$(curl_pod -H "Host: web.default.svc.cluster.local" -H "traceparent: $tp" -H "tracestate: congo=t61rcWkgMzE" \
	-H "b3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1" -H "x-b3-traceid: 80f198ee56343ba8" \
	"http://$WEB4/headers")
res=$("$PY" -c '
import json, re, sys
h = json.loads(sys.argv[1])
ok = (h["x-forwarded-for"] == ["10.244.1.11"] and h["x-forwarded-proto"] == ["http"] and
      re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", h["x-request-id"][0]) and
      h["traceparent"] == [sys.argv[2]] and h["tracestate"] == ["congo=t61rcWkgMzE"] and
      h["b3"] == ["80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"] and
      h["x-b3-traceid"] == ["80f198ee56343ba8"] and h["host"] == ["web.default.svc.cluster.local"])
print("ok" if ok else "bad")' "$out" "$tp" 2>&1)
assert_eq "$res" ok "$out" && t_pass

t_begin "an x-request-id from the client is kept"
out=$(curl_pod -H "x-request-id: my-request-1" "http://$WEB4/headers")
assert_contains "$out" '"x-request-id": ["my-request-1"]' && t_pass

head -c 3000000 /dev/urandom >"$T_TMP/up.bin"
chmod 0644 "$T_TMP/up.bin"
UP_SHA=$(sha256sum "$T_TMP/up.bin" | cut -c1-64)

t_begin "chunked upload (3 MB) arrives byte-exact"
out=$(curl_pod -H "Transfer-Encoding: chunked" --data-binary "@$T_TMP/up.bin" "http://$WEB4/upload")
assert_eq "$out" "sha256=$UP_SHA bytes=3000000" && t_pass

DOWN_SHA=$("$PY" -c 'import hashlib; print(hashlib.sha256(bytes(i % 251 for i in range(3000000))).hexdigest())')
t_begin "chunked download (3 MB) arrives byte-exact"
out=$(tb exec node1-p1 -- sh -c "curl -s --max-time 20 http://$WEB4/download?n=3000000 | sha256sum")
assert_eq "${out:0:64}" "$DOWN_SHA" && t_pass

t_begin "a client that resets mid-download: the exchange ends DC, the proxy serves on"
dc0=$(stat_of response_flag_DC)
out=$(tb exec node1-p1 -- "$PY" - "$WEB4" <<'EOF' 2>&1
import socket, struct, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(b"GET /download?n=50000000 HTTP/1.1\r\nHost: web\r\n\r\n")
got = 0
while got < 200000:
    got += len(s.recv(65536))
# SO_LINGER 0: close() sends a reset, the proxy's next writes fail
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
print("reset after", got >= 200000)
EOF
)
# dc_grew: response_flag_DC above what it was before the case
dc_grew() { [ "$(stat_of response_flag_DC)" -gt "$dc0" ]; }
if assert_eq "$out" "reset after True" && wait_until 10 dc_grew; then
	assert_eq "$(curl_pod "http://$WEB4/id")" "id=b2" && t_pass
else
	t_ok && t_fail "response_flag_DC stayed $(stat_of response_flag_DC) (was $dc0)"
fi

t_begin "Expect: 100-continue: the endpoint's 100 reaches the client, then the body goes"
out=$(curl_pod -v -H "Expect: 100-continue" --data-binary "@$T_TMP/up.bin" "http://$WEB4/upload")
assert_contains "$out" "< HTTP/1.1 100 Continue" && assert_contains "$out" "sha256=$UP_SHA bytes=3000000" && t_pass

t_begin "HTTP/1.0 client: a chunked response reaches it unchunked, delimited by close"
out=$(tb exec node1-p1 -- sh -c "curl -s -0 --max-time 10 http://$WEB4/download?n=300000 | sha256sum")
want=$("$PY" -c 'import hashlib; print(hashlib.sha256(bytes(i % 251 for i in range(300000))).hexdigest())')
assert_eq "${out:0:64}" "$want" && t_pass

t_begin "WebSocket: the upgrade goes through and messages echo both ways"
out=$(tb exec node1-p1 -- "$PY" "$RAW" ws "$WEB4" 80 /ws "hello sluice" 2>&1)
assert_contains "$out" "status=101" && assert_contains "$out" "echo=hello sluice" &&
	wait_until 5 grep -q '"GET /ws HTTP/1.1" 101 ' "$T_TMP/access.log" && t_pass

# smuggle NAME REQUEST: refused with 400, the connection closed, nothing forwarded (the
# request names /smuggle-*, which must appear in no backend log).
smuggle() {
	local out
	out=$(tb exec node1-p1 -- "$PY" "$RAW" send "$WEB4" 80 "$2" 2>&1)
	assert_contains "$out" "HTTP/1.1 400 Bad Request" && assert_contains "$out" "closed=yes" || return 1
	sleep 0.2
	! grep -q smuggl "$T_TMP/b2.log" "$T_TMP/b3.log" || t_fail "a backend saw: $(grep smuggl "$T_TMP/b2.log")"
}
t_run "smuggling: Content-Length with Transfer-Encoding is refused, nothing forwarded" smuggle cl-te \
	'POST /smuggle-1 HTTP/1.1\r\nHost: web\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled-1 HTTP/1.1\r\nHost: web\r\n\r\n'
t_run "smuggling: duplicate Content-Length is refused, nothing forwarded" smuggle dup-cl \
	'POST /smuggle-2 HTTP/1.1\r\nHost: web\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\nGET /smuggled-2 HTTP/1.1\r\nHost: web\r\n\r\n'
t_run "smuggling: obs-fold is refused, nothing forwarded" smuggle obs-fold \
	'GET /smuggle-3 HTTP/1.1\r\nHost: web\r\nX-Folded: a\r\n Transfer-Encoding: chunked\r\n\r\n'
t_run "smuggling: Transfer-Encoding other than chunked is refused" smuggle te-identity \
	'POST /smuggle-4 HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: identity\r\n\r\n'

t_begin "a head that trickles in is cut by the header timeout (408, closed)"
out=$(tb exec node1-p1 -- "$PY" "$RAW" send "$WEB4" 80 'GET /id HTTP/1.1\r\nHost: web\r\n' --wait 6 2>&1)
assert_contains "$out" "HTTP/1.1 408 Request Timeout" && assert_contains "$out" "closed=yes" && t_pass

t_begin "no ready endpoint: 503, flag UH"
out=$(curl_pod -o /dev/null -w '%{http_code}' "http://$EMPTY4/")
if assert_eq "$out" 503; then
	if wait_until 5 grep -q "\" 503 UH .* $EMPTY4:80 - - outbound|80||empty.default.svc.cluster.local\$" "$T_TMP/access.log"; then
		t_pass
	else
		t_fail "access log: $(tail -2 "$T_TMP/access.log")"
	fi
fi

t_begin "no Service for the original destination in the snapshot: 502, flag NR"
out=$(curl_pod -o /dev/null -w '%{http_code}' "http://$GHOST4/")
if assert_eq "$out" 502; then
	if wait_until 5 grep -q "\" 502 NR .* $GHOST4:80 - - -\$" "$T_TMP/access.log"; then
		t_pass
	else
		t_fail "access log: $(tail -2 "$T_TMP/access.log")"
	fi
fi

t_begin "endpoint down: 503, flags UF and URX (Istio's default policy retried the connect twice)"
out=$(curl_pod -o /dev/null -w '%{http_code}' "http://$DOWN4/")
if assert_eq "$out" 503; then
	if wait_until 5 grep -q "\" 503 UF,URX .* $DOWN4:80 $TB_POD_node1_p4_IP4:8080 - outbound|80||down.default.svc.cluster.local\$" "$T_TMP/access.log"; then
		t_pass
	else
		t_fail "access log: $(tail -2 "$T_TMP/access.log")"
	fi
fi

t_begin "reload: an open keep-alive connection and a download in flight survive; new requests go to the new endpoint"
rm -f "$T_TMP/go"
tb exec node1-p1 -- "$PY" - "$WEB4" "$T_TMP/go" >"$T_TMP/ka.out" 2>&1 <<'EOF' &
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 80), timeout=10)
f = s.makefile("rb")
def get():
    s.sendall(b"GET /id HTTP/1.1\r\nHost: web\r\n\r\n")
    status = f.readline().split()[1].decode()
    n = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    print(status, f.read(n).decode().strip(), flush=True)
get()
for _ in range(200):
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.05)
get()
EOF
ka=$!
tb exec node1-p1 -- sh -c "curl -s --max-time 30 --limit-rate 600k http://$WEB4/download?n=3000000 | sha256sum" >"$T_TMP/slow.out" 2>&1 &
slow=$!
wait_until 10 grep -q . "$T_TMP/ka.out"
sleep 1
apply_cluster node1-p3 >"$T_TMP/reload.log" 2>&1 || t_fail "apply: $(cat "$T_TMP/reload.log")"
wait_until 10 sh -c "nsenter --net=$NODE_NS curl -s http://127.0.0.1:15000/config | grep -q 'version 2'" ||
	t_fail "no version 2: $(tail -3 "$T_TMP/proxy.log")"
touch "$T_TMP/go"
wait "$ka"
wait "$slow"
assert_eq "$(cat "$T_TMP/ka.out")" "200 id=b2
200 id=b3" "keep-alive connection" && assert_eq "$(cut -c1-64 "$T_TMP/slow.out")" "$DOWN_SHA" "download in flight" &&
	assert_eq "$(curl_pod "http://$WEB4/id")" "id=b3" "new connection" && t_pass

t_begin "reload: a file that does not decode is refused with its position, the snapshot stays"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  clusterIP: 10.96.5.99\n  bogus: 1\n' >"$T_TMP/proxy/.bad"
mv "$T_TMP/proxy/.bad" "$T_TMP/proxy/config.yaml"
if wait_until 10 grep -q "configuration refused, keeping version 2: .*config.yaml:6:3: " "$T_TMP/proxy.log"; then
	assert_eq "$(curl_pod "http://$WEB4/id")" "id=b3" && assert_contains "$(admin /config)" "version 2" && t_pass
else
	t_fail "log: $(tail -2 "$T_TMP/proxy.log")"
fi
apply_cluster node1-p3 >/dev/null 2>&1

t_begin "SIGHUP reloads the file (unchanged: the version stays)"
kill -HUP "$PROXY_PID"
if wait_until 10 grep -q "SIGHUP: .*config.yaml unchanged, version 2 stays" "$T_TMP/proxy.log"; then
	t_pass
else
	t_fail "log: $(tail -2 "$T_TMP/proxy.log")"
fi

t_begin "a connection that did not come through the handoff is refused"
# From the node, outside every workload cgroup: a workload's own connect() to the
# listener is refused by the kernel already (test_l7_handoff.sh).
out=$(node curl -s --max-time 5 -w ' %{http_code}' "http://$TB_NODE_node1_IP4:15001/id" 2>&1)
assert_contains "$out" "did not come through the sluice handoff" && assert_contains "$out" " 400" &&
	[ "$(stat_of downstream_cx_no_original_dst)" -ge 1 ] && t_pass

t_begin "access log, text: one line per request with every field"
line=$(grep -m1 "\"GET /id HTTP/1.1\" 200 " "$T_TMP/access.log")
# Refused heads are not parsed, so they are logged without method and path.
assert_match "$line" '^\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z\] "GET /id HTTP/1\.1" 200 - 0 6 [0-9]+ "10\.96\.5\.10" "[0-9a-f-]{36}" 10\.244\.1\.11:[0-9]+ 10\.96\.5\.10:80 10\.244\.1\.12:8080 - outbound\|80\|\|web\.default\.svc\.cluster\.local$' &&
	assert_contains "$(cat "$T_TMP/access.log")" '"- - -" 400 DPE' && t_pass

t_begin "access log, JSON: the same fields as an object per line"
stop_proxy TERM
if start_proxy "${PROXY_ARGS[@]}" --access-log "$T_TMP/access.json" --access-log-format json; then
	curl_pod -H "x-request-id: json-1" "http://$WEB4/id" >/dev/null
	wait_until 5 grep -q json-1 "$T_TMP/access.json"
	res=$("$PY" -c '
import json, sys
e = json.loads(open(sys.argv[1]).readline())
want = {"method": "GET", "path": "/id", "protocol": "HTTP/1.1", "status": 200, "response_flags": "-",
        "authority": "10.96.5.10", "original_dst": "10.96.5.10:80", "upstream_endpoint": sys.argv[2] + ":8080",
        "x_request_id": "json-1", "bytes_received": 0, "bytes_sent": 6}
bad = {k: e.get(k) for k in want if e.get(k) != want[k]}
ok = not bad and e["downstream_peer"].startswith("10.244.1.11:") and e["time"].endswith("Z") and "duration_ms" in e
print("ok" if ok else "bad %s" % bad)' "$T_TMP/access.json" "$P3" 2>&1)
	assert_eq "$res" ok && t_pass
else
	t_fail "proxy did not restart: $(tail -3 "$T_TMP/proxy.log")"
fi

t_begin "stats count responses by class and flag"
out=$(admin /stats)
assert_match "$out" "downstream_rq_2xx [1-9]" && assert_match "$out" "upstream_cx_total [1-9]" && t_pass

# --- VirtualService http routes and DestinationRule L7 settings ---

REVIEWS=10.96.6.10
RATINGS=10.96.6.20
MISC=10.96.6.40
EDGE=10.96.6.50
PLAIN=10.96.6.70
OUTL=10.96.6.60
STICKY=10.96.6.80
LIMITED=10.96.6.90
P5=$TB_POD_node1_p5_IP4
SAMPLES="$REPO/../shared/compat/istio-samples"

# reviews (v1, v2, v3 on p5, p6, p7), ratings (v1 on p5), misc (the flaky and slow
# paths, p5), edge (redirect, rewrite, header operations, p5), plain (no L7
# configuration, p5).
cat >"$T_TMP/l7-base.yaml" <<EOT
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {clusterIP: $REVIEWS, ports: [{name: http, port: 9080, targetPort: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: default}
spec: {clusterIP: $RATINGS, ports: [{name: http, port: 9080, targetPort: 9081}]}
---
apiVersion: v1
kind: Service
metadata: {name: misc, namespace: default}
spec: {clusterIP: $MISC, ports: [{name: http, port: 80, targetPort: 9082}]}
---
apiVersion: v1
kind: Service
metadata: {name: edge, namespace: default}
spec: {clusterIP: $EDGE, ports: [{name: http, port: 80, targetPort: 9082}]}
---
apiVersion: v1
kind: Service
metadata: {name: plain, namespace: default}
spec: {clusterIP: $PLAIN, ports: [{name: http, port: 80, targetPort: 9082}]}
---
$(tb endpointslice --service default/reviews --port http:9080/TCP node1-p5 node1-p6 node1-p7)
---
$(tb endpointslice --service default/ratings --port http:9081/TCP node1-p5)
---
$(tb endpointslice --service default/misc --port http:9082/TCP node1-p5)
---
$(tb endpointslice --service default/edge --port http:9082/TCP node1-p5)
---
$(tb endpointslice --service default/plain --port http:9082/TCP node1-p5)
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge, namespace: default}
spec:
  hosts: [edge]
  http:
  - name: moved
    match: [{uri: {prefix: /old/}}]
    redirect: {uri: /new/place, authority: elsewhere.example}
  - name: api
    match: [{uri: {prefix: /api/}, ignoreUriCase: true}]
    rewrite: {uri: /, authority: rewritten.example}
    route: [{destination: {host: edge}}]
  - name: regex
    match: [{uri: {regex: '/items/\d+'}, method: {exact: GET}}]
    route: [{destination: {host: edge}}]
  - name: hdrs
    match: [{uri: {exact: /headers}, withoutHeaders: {x-skip: {}}}]
    headers:
      request:
        set: {x-sl-set: route}
        add: {x-sl-add: added}
        remove: [x-drop]
      response:
        add: {x-sl-resp: resp}
    route:
    - destination: {host: edge}
      headers:
        request:
          set: {x-sl-dest: dest}
  - name: only-q
    match: [{queryParams: {ok: {exact: "1"}}}]
    route: [{destination: {host: edge}}]
---
apiVersion: v1
kind: Service
metadata: {name: outl, namespace: default}
spec: {clusterIP: $OUTL, ports: [{name: http, port: 80, targetPort: 9083}]}
---
$(tb endpointslice --service default/outl --port http:9083/TCP node1-p6 node1-p7)
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: outl, namespace: default}
spec:
  host: outl
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    outlierDetection: {consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 30s}
---
apiVersion: v1
kind: Service
metadata: {name: limited, namespace: default}
spec: {clusterIP: $LIMITED, ports: [{name: http, port: 80, targetPort: 9082}]}
---
$(tb endpointslice --service default/limited --port http:9082/TCP node1-p5)
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: limited, namespace: default}
spec:
  host: limited
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 2}, http: {http1MaxPendingRequests: 1}}
---
apiVersion: v1
kind: Service
metadata: {name: sticky, namespace: default}
spec: {clusterIP: $STICKY, ports: [{name: http, port: 9080, targetPort: 9080}]}
---
$(tb endpointslice --service default/sticky --port http:9080/TCP node1-p5 node1-p6 node1-p7)
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: sticky, namespace: default}
spec:
  host: sticky
  trafficPolicy:
    loadBalancer: {consistentHash: {httpHeaderName: x-user}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: misc, namespace: default}
spec:
  hosts: [misc.default.svc.cluster.local]
  http:
  - name: retried
    match: [{headers: {x-retry: {exact: "yes"}}}]
    retries: {attempts: 3, retryOn: 5xx}
    route: [{destination: {host: misc}}]
  - name: slow
    match: [{uri: {prefix: /slow}}]
    timeout: 1s
    retries: {attempts: 0}
    route: [{destination: {host: misc}}]
  - name: no-retries
    retries: {attempts: 0}
    route: [{destination: {host: misc}}]
EOT
# the Bookinfo DestinationRules (reviews and ratings subsets), without namespaces in
# the file: they land in default.
L7_FILES=("$T_TMP/l7-base.yaml" "$SAMPLES/bookinfo-networking-destination-rule-all.yaml")

# use_l7 FILE...: the L7 base plus FILEs in the cluster, applied to the agent and the
# proxy; waits for the proxy's next snapshot version.
use_l7() {
	local v
	v=$(admin /config | awk '$1 == "version" { print $2; exit }')
	L7_FILES=("$T_TMP/l7-base.yaml" "$SAMPLES/bookinfo-networking-destination-rule-all.yaml" "$@")
	apply_cluster node1-p3 >"$T_TMP/l7-apply.log" 2>&1 || return 1
	wait_until 10 sh -c "nsenter --net=$NODE_NS curl -s http://127.0.0.1:15000/config | awk '\$1 == \"version\" && \$2 > $v { ok = 1 } END { exit !ok }'"
}

# count_ids URL N: N requests on one keep-alive connection; prints "id count" lines.
count_ids() {
	tb exec node1-p1 -- curl -s --max-time 60 "$1?[1-$2]" 2>&1 | sort | uniq -c | awk '{ print $2, $1 }'
}
# share_of ID COUNTS N: the percentage of N answers that were ID.
share_of() { awk -v id="id=$1" -v n="$3" '$1 == id { c = $2 } END { printf "%d", 100 * c / n }' <<<"$2"; }
# within V LO HI
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# expect_log FILE PATTERN: passes when a line of FILE matches (grep) within 5 s.
expect_log() {
	if wait_until 5 grep -q "$2" "$1"; then
		t_pass
	else
		t_fail "no line like $2: $(tail -2 "$1")"
	fi
}

tb_bg node1-p5 "$T_TMP/r1.log" -- "$PY" "$BACKEND" --id reviews-v1 --port 9080
tb_bg node1-p6 "$T_TMP/r2.log" -- "$PY" "$BACKEND" --id reviews-v2 --port 9080
tb_bg node1-p7 "$T_TMP/r3.log" -- "$PY" "$BACKEND" --id reviews-v3 --port 9080
tb_bg node1-p5 "$T_TMP/ra.log" -- "$PY" "$BACKEND" --id ratings-v1 --port 9081
tb_bg node1-p5 "$T_TMP/misc.log" -- "$PY" "$BACKEND" --id misc --port 9082
tb_bg node1-p6 "$T_TMP/good.log" -- "$PY" "$BACKEND" --id good --port 9083
tb_bg node1-p7 "$T_TMP/bad.log" -- "$PY" "$BACKEND" --id bad --port 9083 --status 500
for f in r1 r2 r3 ra misc good bad; do
	wait_until 10 grep -q '^listening' "$T_TMP/$f.log" || {
		echo "backend $f did not start: $(cat "$T_TMP/$f.log")" >&2
		exit 1
	}
done

t_begin "L7: sluice-proxy takes a snapshot with http routes and L7 DestinationRules"
stop_proxy TERM
if start_proxy "${PROXY_ARGS[@]}" --access-log "$T_TMP/access-l7.log" &&
	use_l7 "$SAMPLES/bookinfo-networking-virtual-service-reviews-jason-v2-v3.yaml"; then
	t_pass
else
	t_fail "$(cat "$T_TMP/l7-apply.log"; tail -3 "$T_TMP/proxy.log")"
fi

t_begin "Bookinfo reviews: end-user: jason goes to v2, everyone else to v3"
jason=$(tb exec node1-p1 -- curl -s --max-time 10 -H "end-user: jason" "http://$REVIEWS:9080/id?[1-20]" 2>&1 | sort -u)
others=$(tb exec node1-p1 -- curl -s --max-time 10 -H "end-user: mary" "http://$REVIEWS:9080/id?[1-20]" 2>&1 | sort -u)
assert_eq "$jason" "id=reviews-v2" "jason" && assert_eq "$others" "id=reviews-v3" "others" && t_pass

t_begin "Bookinfo reviews 90/10: v1 gets 90% +-6 over 400 requests, v2 the rest"
if use_l7 "$SAMPLES/bookinfo-networking-virtual-service-reviews-90-10.yaml"; then
	counts=$(count_ids "http://$REVIEWS:9080/id" 400)
	v1=$(share_of reviews-v1 "$counts" 400)
	v2=$(share_of reviews-v2 "$counts" 400)
	if within "$v1" 84 96 && [ $((v1 + v2)) -ge 99 ]; then
		t_pass
	else
		t_fail "shares: $counts"
	fi
else
	t_fail "apply: $(cat "$T_TMP/l7-apply.log")"
fi

t_begin "Bookinfo reviews 50/50 (v1/v3): each 50% +-8 over 400 requests"
if use_l7 "$SAMPLES/bookinfo-networking-virtual-service-reviews-50-v3.yaml"; then
	counts=$(count_ids "http://$REVIEWS:9080/id" 400)
	v1=$(share_of reviews-v1 "$counts" 400)
	v3=$(share_of reviews-v3 "$counts" 400)
	if within "$v1" 42 58 && within "$v3" 42 58; then
		t_pass
	else
		t_fail "shares: $counts"
	fi
else
	t_fail "apply: $(cat "$T_TMP/l7-apply.log")"
fi

t_begin "Bookinfo ratings delay: jason's request waits the 7 s fixedDelay (flag DI), others do not"
if use_l7 "$SAMPLES/bookinfo-networking-virtual-service-ratings-test-delay.yaml"; then
	# The body ("id=ratings-v1\n") and the time taken on the next line.
	out=$(tb exec node1-p1 -- curl -s --max-time 20 -H "end-user: jason" -w '%{time_total}' "http://$RATINGS:9080/id" 2>&1)
	other=$(tb exec node1-p1 -- curl -s --max-time 20 -H "end-user: mary" -w '%{time_total}' "http://$RATINGS:9080/id" 2>&1)
	if assert_eq "$(head -1 <<<"$out")" "id=ratings-v1" &&
		awk -v t="$(tail -1 <<<"$out")" 'BEGIN { exit !(t >= 7) }' &&
		awk -v t="$(tail -1 <<<"$other")" 'BEGIN { exit !(t < 7) }'; then
		expect_log "$T_TMP/access-l7.log" "\"GET /id HTTP/1.1\" 200 DI .* $RATINGS:9080 $P5:9081 - outbound|9080|v1|ratings.default.svc.cluster.local\$"
	else
		t_fail "jason: $out, other: $other"
	fi
else
	t_fail "apply: $(cat "$T_TMP/l7-apply.log")"
fi

t_begin "Bookinfo ratings abort: every jason request is answered 500 with flag FI, others reach v1"
if use_l7 "$SAMPLES/bookinfo-networking-virtual-service-ratings-test-abort.yaml"; then
	codes=$(tb exec node1-p1 -- curl -s --max-time 10 -o /dev/null -w '%{http_code}\n' -H "end-user: jason" "http://$RATINGS:9080/id?[1-10]" 2>&1 | sort | uniq -c | awk '{ print $2, $1 }')
	other=$(curl_pod -H "end-user: mary" "http://$RATINGS:9080/id")
	if assert_eq "$codes" "500 10" && assert_eq "$other" "id=ratings-v1"; then
		expect_log "$T_TMP/access-l7.log" '"GET /id?10 HTTP/1.1" 500 FI '
	fi
else
	t_fail "apply: $(cat "$T_TMP/l7-apply.log")"
fi

t_begin "redirect: answered by the proxy with 301 and the new location"
out=$(curl_pod -o /dev/null -w '%{http_code} %{redirect_url}' "http://$EDGE/old/x?q=1")
assert_eq "$out" "301 http://elsewhere.example/new/place?q=1" && t_pass

t_begin "rewrite: the matched prefix (any case) is replaced and the authority rewritten"
out=$(curl_pod "http://$EDGE/API/headers")
if assert_contains "$out" '"host": ["rewritten.example"]'; then
	expect_log "$T_TMP/misc.log" "REQ misc GET /headers "
fi

t_begin "header operations: set, add, remove on the request (route and destination), add on the response"
out=$(curl_pod -i -H "x-drop: 1" -H "x-sl-set: client" "http://$EDGE/headers")
res=$("$PY" -c '
import json, sys
head, body = sys.argv[1].replace("\r", "").split("\n\n", 1)
h = json.loads(body)
ok = (h.get("x-sl-set") == ["route"] and h.get("x-sl-add") == ["added"] and "x-drop" not in h and
      h.get("x-sl-dest") == ["dest"] and "x-sl-resp: resp" in head.lower())
print("ok" if ok else "bad")' "$out" 2>&1)
assert_eq "$res" ok "$out" && t_pass

t_begin "matches: regex uri with method, withoutHeaders, queryParams; no match: 404 NR"
a=$(curl_pod "http://$EDGE/items/42")
b=$(curl_pod -o /dev/null -w '%{http_code}' "http://$EDGE/items/4x")
c=$(curl_pod -o /dev/null -w '%{http_code}' -H "x-skip: 1" "http://$EDGE/headers")
d=$(curl_pod "http://$EDGE/any?ok=1")
if assert_eq "$a" "id=misc path=/items/42" && assert_eq "$b" 404 && assert_eq "$c" 404 &&
	assert_eq "$d" "id=misc path=/any?ok=1"; then
	expect_log "$T_TMP/access-l7.log" "\"GET /items/4x HTTP/1.1\" 404 NR .* $EDGE:80 - - -\$"
fi

t_begin "retries (attempts 3, retryOn 5xx) turn a flaky endpoint's 503s into successes"
codes=$(tb exec node1-p1 -- curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' -H "x-retry: yes" "http://$MISC/flaky?[1-20]" 2>&1 | sort | uniq -c | awk '{ print $2, $1 }')
if assert_eq "$codes" "200 20"; then
	if [ "$(stat_of upstream_rq_retry)" -ge 10 ]; then
		t_pass
	else
		t_fail "upstream_rq_retry $(stat_of upstream_rq_retry)"
	fi
fi

t_begin "retries: a small POST body is kept and sent whole again"
head -c 1000 /dev/zero | tr '\0' x >"$T_TMP/body1k"
chmod 0644 "$T_TMP/body1k"
out=$(tb exec node1-p1 -- curl -s --max-time 10 -H 'x-retry: yes' --data-binary "@$T_TMP/body1k" "http://$MISC/flaky?[1-6]" 2>&1 | sort | uniq -c | awk '{ print $1, $2, $3 }')
want=$("$PY" -c 'import hashlib; print("sha256=%s bytes=1000" % hashlib.sha256(b"x" * 1000).hexdigest())')
assert_eq "$out" "6 $want" && t_pass

t_begin "without retries (attempts 0) about half of the flaky endpoint's answers are 503"
fails=$(tb exec node1-p1 -- curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' "http://$MISC/flaky?[1-20]" 2>&1 | grep -c '^503$')
if within "$fails" 7 13; then
	t_pass
else
	t_fail "503s: $fails of 20"
fi

t_begin "route timeout: a backend slower than the route's 1 s timeout gets 504, flag UT"
out=$(curl_pod -o /dev/null -w '%{http_code}' "http://$MISC/slow?ms=3000")
if assert_eq "$out" 504; then
	expect_log "$T_TMP/access-l7.log" "\"GET /slow?ms=3000 HTTP/1.1\" 504 UT .* slow outbound|80||misc.default.svc.cluster.local\$"
fi

t_begin "outlier detection: the endpoint answering 500 is ejected after 2, then every request goes to the healthy one"
# One keep-alive connection: one worker, whose outlier state decides (outlier.h).
out=$(tb exec node1-p1 -- curl -s --max-time 20 "http://$OUTL/id?[1-30]" 2>&1)
bad=$(grep -c '^id=bad$' <<<"$out")
tail_ok=$(tail -20 <<<"$out" | sort -u)
if assert_eq "$bad" 2 "answers from the bad endpoint" && assert_eq "$tail_ok" "id=good" "the last 20"; then
	expect_log "$T_TMP/proxy.log" "outlier detection: default/outl endpoint ejected"
fi

t_begin "consistentHash httpHeaderName: one user always reaches the same endpoint, users spread"
same=$(tb exec node1-p1 -- curl -s --max-time 20 -H "x-user: alice" "http://$STICKY:9080/id?[1-20]" 2>&1 | sort -u | wc -l)
spread=$(for u in u1 u2 u3 u4 u5 u6 u7 u8 u9 u10 u11 u12; do curl_pod -H "x-user: $u" "http://$STICKY:9080/id"; done | sort -u | wc -l)
if assert_eq "$same" 1 "alice's endpoints" && [ "$spread" -ge 2 ]; then
	t_pass
else
	t_fail "12 users reached $spread endpoints"
fi

t_begin "connectionPool: over maxConnections (a share of 1 per worker) and 1 pending, 503 UO"
# 6 slow requests at once on their own connections: each of the 2 workers serves one
# and holds one waiting, so at most 4 succeed and the rest overflow.
codes=$(tb exec node1-p1 -- sh -c "for i in 1 2 3 4 5 6; do curl -s --max-time 20 -o /dev/null -w '%{http_code}\n' http://$LIMITED/slow?ms=1500 & done; wait" 2>&1)
ok=$(grep -c '^200$' <<<"$codes")
uo=$(grep -c '^503$' <<<"$codes")
if within "$ok" 2 4 && [ $((ok + uo)) -eq 6 ]; then
	expect_log "$T_TMP/access-l7.log" "\"GET /slow?ms=1500 HTTP/1.1\" 503 UO .* $LIMITED:80 "
else
	t_fail "codes: $(tr '\n' ' ' <<<"$codes")"
fi

t_begin "a Service without L7 configuration still bypasses the proxy"
before=$(stat_of downstream_rq_total)
out=$(curl_pod "http://$PLAIN/id")
after=$(stat_of downstream_rq_total)
assert_eq "$out" "id=misc" && assert_eq "$after" "$before" "proxy requests" && t_pass

t_begin "SIGTERM drains: an idle keep-alive connection closes, a request in flight finishes with Connection: close, new connections go nowhere, the proxy exits 0"
cat >"$T_TMP/drain.py" <<EOT
import socket, sys, time
def req(s, path):
    s.sendall(("GET %s HTTP/1.1\r\nHost: misc\r\n\r\n" % path).encode())
def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0]
    while len(body) < n:
        body += s.recv(4096)
    return head + b"\r\n\r\n" + body
idle = socket.create_connection(("$MISC", 80), timeout=10)
req(idle, "/id")
first = read_response(idle)
busy = socket.create_connection(("$MISC", 80), timeout=10)
req(busy, "/slow?drain=1&ms=900")
print("sent", flush=True)
print("idle-first", first.split(b"\r\n")[0].decode())
print("idle-after", "closed" if idle.recv(100) == b"" else "open")
resp = read_response(busy)
print("busy", resp.split(b"\r\n")[0].decode(), "close" if b"\r\nconnection: close" in resp.lower() else "keep-alive")
time.sleep(0.2)
try:
    socket.create_connection(("$MISC", 80), timeout=3).close()
    print("new connected")
except OSError as e:
    print("new refused", e.errno)
EOT
tb exec node1-p1 -- /usr/bin/python3 "$T_TMP/drain.py" >"$T_TMP/drain.out" 2>&1 &
drain_client=$!
if wait_until 10 grep -q '^sent' "$T_TMP/drain.out"; then
	# once the slow request has reached the backend (it answers 0.9 s later)
	wait_until 5 grep -q 'GET /slow?drain=1&ms=900' "$T_TMP/misc.log"
	kill -TERM "$PROXY_PID"
	wait "$PROXY_PID"
	rc=$?
	PROXY_PID=
	wait "$drain_client"
	out=$(cat "$T_TMP/drain.out")
	assert_contains "$out" "idle-first HTTP/1.1 200" && assert_contains "$out" "idle-after closed" &&
		assert_contains "$out" "busy HTTP/1.1 200 OK close" && assert_contains "$out" "new refused" &&
		assert_eq "$rc" 0 "proxy exit status" && expect_log "$T_TMP/proxy.log" "drained: every connection ended"
else
	t_fail "client: $(cat "$T_TMP/drain.out")"
fi
