#!/usr/bin/env bash
# The agent configures the node's sluice-proxy by versioned snapshots over its control
# socket (sluiced --proxy-control, sluice-proxy --control; user/agent/proxy_push.c):
#  - a proxy started with no --config at all serves the routes the agent applies;
#  - an apply is in force at the proxy when it returns, with the version the agent
#    gave it, and a keep-alive connection open across the change is not dropped;
#  - a restarted proxy is brought up to date by the agent within seconds, and so is a
#    proxy after the agent restarts (its versions never go back);
#  - the proxy refuses a version older than the one in force, and a file that does not
#    build, and keeps what it has.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
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
CTL="$T_TMP/run/proxy.sock"
PROXY_ARGS=(--workers 2 --control "$CTL")
WEB=10.96.7.10
AGENT_ARGS=(--proxy-addr "$TB_NODE_node1_IP4:15001" --proxy-cgroup "$PROXY_CG" --proxy-control "$CTL")

# control LINE: one command on the proxy's control socket, the answer on stdout.
control() {
	"$PY" - "$CTL" "$1" <<'EOT'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
EOT
}
proxy_version() { control version | awk '$1 == "version" { print $2 }'; }
version_is() { [ "$(proxy_version)" = "$1" ]; }
version_above() {
	local v
	v=$(proxy_version)
	[ -n "$v" ] && [ "$v" -gt "$1" ]
}


# cluster TAG: web (endpoint p2) with an http route whose response carries x-tag: TAG.
cluster() {
	tb pods
	cat <<EOT
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {clusterIP: $WEB, ports: [{name: http, port: 80, targetPort: 8080}]}
---
EOT
	tb endpointslice --service default/web --port http:8080/TCP node1-p2
	cat <<EOT
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web]
  http:
  - headers: {response: {set: {x-tag: "$1"}}}
    route: [{destination: {host: web}}]
EOT
}
tag() { tb exec node1-p1 -- curl -s --max-time 5 -D - -o /dev/null "http://$WEB/id" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-tag" { print $2 }'; }

tb agent node1 start -- "${AGENT_ARGS[@]}" >"$T_TMP/agent.log" 2>&1 || {
	cat "$T_TMP/agent.log"
	exit 1
}
tb_bg node1-p2 "$T_TMP/b2.log" -- "$PY" "$BACKEND" --id b2 --port 8080
wait_until 10 grep -q '^listening' "$T_TMP/b2.log" || exit 1

t_begin "a proxy started without --config serves what the agent applies, as apply returns"
start_proxy "${PROXY_ARGS[@]}" || t_fail "proxy not ready: $(tail -3 "$T_TMP/proxy.log")"
cluster one >"$T_TMP/one.yaml"
out=$(tb ctl node1 -- apply -f "$T_TMP/one.yaml" 2>&1)
st=$(tb ctl node1 -- status 2>&1)
v1=$(proxy_version)
assert_eq "$(tag)" one && assert_not_contains "$out" "warning" &&
	assert_match "$st" "proxy: version $v1 in force" && t_pass

t_begin "a new version is in force as apply returns; a keep-alive connection open across it is not dropped"
cat >"$T_TMP/ka.py" <<EOT
import socket, sys
s = socket.create_connection(("$WEB", 80), timeout=10)
def get():
    s.sendall(b"GET /id HTTP/1.1\r\nHost: web\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    n = [int(l.split(":")[1]) for l in lines if l.lower().startswith("content-length:")][0]
    while len(body) < n:
        body += s.recv(4096)
    return [l.split(": ")[1] for l in lines if l.lower().startswith("x-tag:")][0]
print("first", get(), flush=True)
sys.stdin.readline()
print("second", get(), flush=True)
EOT
mkfifo "$T_TMP/ka.in"
tb exec node1-p1 -- "$PY" "$T_TMP/ka.py" <"$T_TMP/ka.in" >"$T_TMP/ka.out" 2>&1 &
ka=$!
exec 7>"$T_TMP/ka.in"
wait_until 10 grep -q '^first' "$T_TMP/ka.out"
cluster two >"$T_TMP/two.yaml"
out=$(tb ctl node1 -- apply -f "$T_TMP/two.yaml" 2>&1)
echo >&7
exec 7>&-
wait "$ka"
v2=$(proxy_version)
assert_contains "$(cat "$T_TMP/ka.out")" "first one" &&
	assert_contains "$(cat "$T_TMP/ka.out")" "second two" && [ "$v2" -gt "$v1" ] &&
	assert_eq "$(tag)" two && t_pass

t_begin "the proxy refuses an older version and a file that does not build, and keeps version and routes"
old=$(control "snapshot 1 $TB_NODE_node1_STATE_DIR/state.json")
printf 'kind: Service\nmetadata: {name: x\n' >"$T_TMP/bad.yaml"
bad=$(control "snapshot $((v2 + 1)) $T_TMP/bad.yaml")
assert_contains "$old" "error: version 1 is older than version $v2 in force" &&
	assert_contains "$bad" "error: " && assert_contains "$bad" "bad.yaml:" &&
	assert_eq "$(proxy_version)" "$v2" && assert_eq "$(tag)" two && t_pass

t_begin "a restarted proxy is brought up to date by the agent"
stop_proxy KILL
start_proxy "${PROXY_ARGS[@]}" || t_fail "proxy not ready"
wait_until 10 version_is "$v2"
assert_eq "$(proxy_version)" "$v2" && assert_eq "$(tag)" two && t_pass

t_begin "after an agent restart the proxy takes the agent's newer version"
tb agent node1 stop >/dev/null 2>&1
tb agent node1 start -- "${AGENT_ARGS[@]}" >>"$T_TMP/agent.log" 2>&1 || t_fail "agent did not restart"
wait_until 10 version_above "$v2"
v3=$(proxy_version)
st=$(tb ctl node1 -- status 2>&1)
[ "$v3" -gt "$v2" ] && assert_match "$st" "proxy: version $v3 in force" && assert_eq "$(tag)" two && t_pass
