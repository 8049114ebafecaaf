#!/usr/bin/env bash
# The proxy hop's acceleration (sluiced --proxy-accelerate): a workload's connection
# steered to sluice-proxy, and the proxy's accepted socket, go into sockhashes at
# establishment, so what the client sends reaches the proxy's socket through sk_msg
# without the TCP/IP stack. End to end, with curl, raw clients and a real backend:
#  - by default (request) the client's bytes are redirected and the proxy's responses
#    are not, so a client reading with splice(2) gets its whole response;
#  - uploads larger than a connection's redirect budget (1 MiB) arrive byte-exact: the
#    connection goes on over TCP, in order; a backend that stops reading holds the
#    client back (the budget bounds what the proxy's socket can be made to queue);
#  - pipelined requests, a client's half close, a WebSocket tunnel;
#  - both: the responses are redirected too (under the same budget), byte-exact;
#    off: nothing is.
# Each case checks node1's counters (sluicectl stats), so a hop that silently took TCP
# cannot pass.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_cmd /usr/bin/python3 curl socat sha256sum
[ -x "$SLUICE_BIN/sluice-proxy" ] || t_skip_file "$SLUICE_BIN/sluice-proxy missing (run make all)"

BACKEND="$REPO/tests/tools/sl-http-backend.py"
RAW="$REPO/tests/tools/sl-http-raw.py"
PY=/usr/bin/python3
WEB=10.96.6.10
HOLD=10.96.6.20

tb_up --nodes 1 --pods 3 --no-agent >"$T_TMP/up.log" 2>&1 || {
	cat "$T_TMP/up.log"
	exit 1
}
tb_env
proxy_env
chmod 0755 "$T_TMP"

# agent MODE: node1's sluiced (restarted) with the proxy and --proxy-accelerate MODE
# ("" for the default), and the cluster applied.
agent() {
	tb agent node1 stop >/dev/null 2>&1
	tb agent node1 start -- --proxy-addr "$TB_NODE_node1_IP4:15001" --proxy-cgroup "$PROXY_CG" \
		${1:+--proxy-accelerate "$1"} >"$T_TMP/agent.log" 2>&1 &&
		tb ctl node1 -- apply -f "$T_TMP/cluster.yaml" >/dev/null 2>&1
}
# kstat NAME: one of node1's kernel counters.
kstat() { tb ctl node1 -- stats 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }
# snap: remembers the counters; grew NAME [MIN]: NAME rose by at least MIN (1) since
# snap; same NAME: it did not move.
declare -A S0
snap() {
	local k
	for k in sk_msg_redirected sk_msg_fallback sk_msg_budget_spent proxy_hop_sockhash_added; do
		S0[$k]=$(kstat "$k")
	done
}
grew() {
	local d=$(($(kstat "$1") - ${S0[$1]}))
	[ "$d" -ge "${2:-1}" ] || {
		t_fail "$1 rose by $d, expected at least ${2:-1}"
		return 1
	}
}
same() {
	local d=$(($(kstat "$1") - ${S0[$1]}))
	[ "$d" -eq 0 ] || {
		t_fail "$1 rose by $d, expected no change"
		return 1
	}
}
curl_pod() { tb exec node1-p1 -- curl -s --max-time 20 "$@" 2>&1; }

{
	tb pods
	l7_svc web "$WEB" node1-p2
	l7_svc hold "$HOLD" node1-p3
} >"$T_TMP/cluster.yaml"

tb_bg node1-p2 "$T_TMP/b2.log" -- "$PY" "$BACKEND" --id b2 --port 8080
# hold: accepts, reads nothing, keeps the connection for 20 s
tb_bg node1-p3 "$T_TMP/b3.log" -- "$PY" -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080)); s.listen(8); print("listening", flush=True)
c, _ = s.accept(); time.sleep(20)'
if ! wait_until 10 grep -q '^listening' "$T_TMP/b2.log" ||
	! wait_until 10 grep -q '^listening' "$T_TMP/b3.log"; then
	echo "backends did not start: $(cat "$T_TMP/b2.log" "$T_TMP/b3.log")" >&2
	exit 1
fi

t_begin "by default the agent accelerates the proxy hop's request direction (status says so)"
if agent "" && start_proxy --config "$T_TMP/cluster.yaml"; then
	assert_contains "$(tb ctl node1 -- status 2>&1)" "proxy hop acceleration: client to proxy" && t_pass
else
	t_fail "agent or proxy did not start: $(tail -3 "$T_TMP/agent.log" "$T_TMP/proxy.log")"
	exit 1
fi

t_begin "a request through the hop: both sockets enter the sockhashes, the client's bytes are redirected"
snap
out=$(curl_pod "http://$WEB/id")
assert_eq "$out" "id=b2" && grew proxy_hop_sockhash_added 2 && grew sk_msg_redirected &&
	same sk_msg_fallback && t_pass

t_begin "the proxy's responses take TCP: a client reading with splice(2) gets all of a 3 MB download"
snap
out=$(tb exec node1-p1 -- timeout 20 "$PY" - "$WEB" <<'EOF' 2>&1
import os, socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.settimeout(None)  # a blocking socket: splice(2) waits for data as a reader would
s.sendall(b"GET /download?n=3000000 HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n")
r, w = os.pipe()
data = b""
while True:
    n = os.splice(s.fileno(), w, 65536)
    if n == 0:
        break
    data += os.read(r, n)
head, _, body = data.partition(b"\r\n\r\n")
# chunked: drop the size lines
out, rest = b"", body
while rest:
    size, _, rest = rest.partition(b"\r\n")
    n = int(size, 16)
    if n == 0:
        break
    out, rest = out + rest[:n], rest[n + 2:]
print(head.split(b"\r\n")[0].decode(), len(out), out == bytes(i % 251 for i in range(3000000)))
EOF
)
assert_eq "$out" "HTTP/1.1 200 OK 3000000 True" && grew sk_msg_redirected && same sk_msg_fallback && t_pass

t_begin "an 8 MiB upload arrives byte-exact: 1 MiB redirected, then the connection goes on over TCP"
head -c 8388608 /dev/urandom >"$T_TMP/up.bin"
want=$(sha256sum "$T_TMP/up.bin" | cut -d' ' -f1)
snap
out=$(curl_pod --data-binary @"$T_TMP/up.bin" "http://$WEB/upload")
assert_eq "$out" "sha256=$want bytes=8388608" && grew sk_msg_redirected && grew sk_msg_budget_spent &&
	same sk_msg_fallback && t_pass

t_begin "a chunked upload with Expect: 100-continue arrives byte-exact"
snap
out=$(curl_pod -H 'Transfer-Encoding: chunked' -H 'Expect: 100-continue' \
	--data-binary @"$T_TMP/up.bin" "http://$WEB/upload")
assert_eq "$out" "sha256=$want bytes=8388608" && grew sk_msg_redirected && t_pass

t_begin "a backend that stops reading holds the client back: of a 64 MiB upload, the hop takes what TCP would"
# Redirected bytes skip the proxy socket's TCP window: without the budget the whole
# upload would be queued for the proxy in the kernel at once.
head -c 67108864 /dev/zero >"$T_TMP/big.bin"
snap
sent=$(tb exec node1-p1 -- curl -s -o /dev/null --max-time 3 -w '%{size_upload}' \
	--data-binary @"$T_TMP/big.bin" "http://$HOLD/upload" 2>&1)
sent=${sent%%.*}
if [ "${sent:-0}" -gt 0 ] && [ "$sent" -le 25165824 ]; then
	grew sk_msg_redirected && grew sk_msg_budget_spent && same sk_msg_fallback && t_pass
else
	t_fail "the client got $sent bytes of 67108864 out"
fi
rm -f "$T_TMP/big.bin"

t_begin "two pipelined requests in one write: both answered, in order"
snap
out=$(tb exec node1-p1 -- "$PY" "$RAW" send "$WEB" 80 \
	'GET /id HTTP/1.1\r\nHost: web\r\n\r\nGET /pipelined HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n')
assert_match "$out" 'id=b2'$'\n''.*id=b2 path=/pipelined' && grew sk_msg_redirected && t_pass

t_begin "a client's half close after its request: the proxy answers, then closes"
snap
out=$(printf 'GET /id HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n' |
	tb exec node1-p1 -- socat -t 5 - "TCP:$WEB:80" 2>&1)
assert_contains "$out" "id=b2" && grew sk_msg_redirected && same sk_msg_fallback && t_pass

t_begin "a WebSocket through the hop: the upgrade and the echo"
snap
out=$(tb exec node1-p1 -- "$PY" "$RAW" ws "$WEB" 80 /ws "hello through sk_msg")
assert_contains "$out" "status=101" && assert_contains "$out" "echo=hello through sk_msg" &&
	grew sk_msg_redirected && t_pass

t_begin "both: the responses are redirected too (1 MiB, then TCP), a 3 MB download byte-exact"
stop_proxy TERM
if agent both && start_proxy --config "$T_TMP/cluster.yaml"; then
	assert_contains "$(tb ctl node1 -- status 2>&1)" "proxy hop acceleration: both directions" || true
	snap
	got=$(curl_pod "http://$WEB/download?n=3000000" | sha256sum | cut -d' ' -f1)
	want3=$("$PY" -c 'import hashlib; print(hashlib.sha256(bytes(i % 251 for i in range(3000000))).hexdigest())')
	# the response's redirected messages: many more than the one request
	t_ok && assert_eq "$got" "$want3" && grew sk_msg_redirected 8 && grew sk_msg_budget_spent &&
		same sk_msg_fallback && t_pass
else
	t_fail "agent or proxy did not start"
fi

t_begin "off: the hop is plain TCP (no socket enters the sockhashes, nothing is redirected)"
stop_proxy TERM
if agent off && start_proxy --config "$T_TMP/cluster.yaml"; then
	snap
	out=$(curl_pod "http://$WEB/id")
	assert_eq "$out" "id=b2" &&
		assert_contains "$(tb ctl node1 -- status 2>&1)" "proxy hop acceleration: off" &&
		same proxy_hop_sockhash_added && same sk_msg_redirected && t_pass
else
	t_fail "agent or proxy did not start"
fi

t_begin "a bad --proxy-accelerate value is refused by name"
out=$(nsenter --net="$NODE_NS" "$SLUICE_BIN/sluiced" --proxy-accelerate sideways 2>&1)
assert_contains "$out" "--proxy-accelerate: 'sideways' is not request, both or off" && t_pass
