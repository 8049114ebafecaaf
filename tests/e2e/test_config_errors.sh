#!/usr/bin/env bash
# Bad input gets a clear error with file:line:column and changes nothing: not the maps,
# not the applied state. One file per class of error, plus map overflow and a mix of a
# good and a bad file in one apply.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo sl-probe
require_cmd bpftool

# Small maps, so that overflow is easy to reach.
tb_up --nodes 1 --pods 2 -- --max-services 4 --max-backends 6 >"$T_TMP/up.log" 2>&1 ||
	{ cat "$T_TMP/up.log"; exit 1; }
tb_env
start_echo node1-p1 || exit 1
svc_yaml echo 10.96.2.10 node1-p1 node1-p2 >"$T_TMP/good.yaml"
tb ctl node1 -- apply -f "$T_TMP/good.yaml" >/dev/null || exit 1

snapshot() {
	bpftool map dump pinned "$TB_NODE_node1_BPFFS/sl_svc"
	bpftool map dump pinned "$TB_NODE_node1_BPFFS/sl_bset"
	cat "$TB_NODE_node1_STATE_DIR/state.json"
	tb ctl node1 -- get services -o json
}
before=$(snapshot)

# rejected NAME FILE LINE COL WORD...: apply fails, names FILE:LINE:COL and every WORD,
# and nothing changed.
rejected() {
	local name=$1 file=$2 line=$3 col=$4 out rc w
	shift 4
	t_begin "$name"
	out=$(tb ctl node1 -- apply -f "$file" 2>&1)
	rc=$?
	assert_ne "$rc" 0 "exit status" || return
	assert_contains "$out" "$file:$line:$col: " || return
	for w in "$@"; do assert_contains "$out" "$w" || return; done
	assert_contains "$out" "nothing was applied" || return
	assert_eq "$(snapshot)" "$before" "maps and state unchanged" && t_pass
}

bad() { # bad NAME: writes $T_TMP/NAME.yaml from stdin and prints its path
	cat >"$T_TMP/$1.yaml"
	echo "$T_TMP/$1.yaml"
}

f=$(bad syntax <<'EOT'
apiVersion: v1
kind: Service
metadata: {name: broken
spec:
  ports: [{port: 80}]
EOT
)
rejected "YAML syntax error" "$f" 4 5 "syntax"
f=$(bad wrongtype <<'EOT'
apiVersion: v1
kind: Service
metadata: {name: wrongtype}
spec:
  clusterIP: 10.96.2.11
  ports:
  - port: {number: 80}
EOT
)
rejected "wrong type" "$f" 7 11 "spec.ports[0].port" "integer"
f=$(bad quoted <<'EOT'
apiVersion: v1
kind: Service
metadata: {name: quoted}
spec:
  clusterIP: 10.96.2.11
  ports:
  - port: "80"
EOT
)
rejected "quoted number where an integer is required" "$f" 7 11 "spec.ports[0].port" "got a string"
f=$(bad unsupported <<'EOT'
apiVersion: v1
kind: Service
metadata: {name: unsupported}
spec:
  type: NodePort
  clusterIP: 10.96.2.11
  ports: [{port: 80}]
EOT
)
rejected "unsupported field value (NodePort)" "$f" 5 9 "spec.type" "NodePort"
f=$(bad externalips <<'EOT'
apiVersion: v1
kind: Service
metadata: {name: externalips}
spec:
  clusterIP: 10.96.2.11
  externalIPs: [192.0.2.10]
  ports: [{port: 80}]
EOT
)
rejected "unsupported field (externalIPs)" "$f" 6 16 "spec.externalIPs" "not supported"
f=$(bad unknown <<'EOT'
apiVersion: v1
kind: Service
metadata: {name: unknown}
spec:
  clusterIP: 10.96.2.11
  ports: [{port: 80}]
  loadBalancerMagic: true
EOT
)
rejected "unknown spec field" "$f" 7 3 "spec.loadBalancerMagic"
f=$(bad dupkey <<'EOT'
apiVersion: v1
kind: Service
metadata: {name: dupkey}
spec:
  clusterIP: 10.96.2.11
  clusterIP: 10.96.2.12
  ports: [{port: 80}]
EOT
)
rejected "duplicate key" "$f" 6 3 "duplicate" "clusterIP"
f=$(bad port <<'EOT'
apiVersion: v1
kind: Service
metadata: {name: port}
spec:
  clusterIP: 10.96.2.11
  ports:
  - name: http
    port: 70000
EOT
)
rejected "out-of-range port" "$f" 8 11 "spec.ports[0].port" "70000"
f=$(bad addr <<'EOT'
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: addr
  labels: {kubernetes.io/service-name: echo}
addressType: IPv4
endpoints:
- addresses: [10.244.1.300]
ports: [{name: tcp, port: 8080}]
EOT
)
rejected "bad address" "$f" 8 15 "endpoints[0].addresses[0]" "10.244.1.300"
f=$(bad family <<'EOT'
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: family
  labels: {kubernetes.io/service-name: echo}
addressType: IPv4
endpoints:
- addresses: ["fd00:10:244:1::b"]
ports: [{name: tcp, port: 8080}]
EOT
)
rejected "address of the wrong family" "$f" 8 15 "endpoints[0].addresses[0]"
f=$(bad istio <<'EOT'
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: ingress}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
EOT
)
rejected "a kind that would change behaviour but is not supported yet" "$f" 2 7 "Gateway" "not supported"

cat >"$T_TMP/overflow.yaml" <<EOT
apiVersion: v1
kind: Service
metadata: {name: many}
spec:
  clusterIPs: [10.96.2.20, "fd00:10:96::2:14"]
  ports:
  - {name: a, port: 80}
  - {name: b, port: 81}
EOT
t_begin "service map overflow: names the limit and the flag"
out=$(tb ctl node1 -- apply -f "$T_TMP/overflow.yaml" 2>&1)
assert_ne $? 0 && assert_contains "$out" "--max-services=4" && assert_contains "$out" "nothing was applied" &&
	assert_eq "$(snapshot)" "$before" "maps and state unchanged" && t_pass

cat >"$T_TMP/overflow2.yaml" <<EOT
$(tb endpointslice --service default/echo --slice-name echo-more --port tcp:8080/TCP node1-p1 node1-p2)
---
$(tb endpointslice --service default/echo --slice-name echo-more6 --family 6 --port tcp:8080/TCP node1-p1 node1-p2)
EOT
sed -i 's/10.244.1.11/10.244.1.13/; s/10.244.1.12/10.244.1.14/; s/10.244.1.13"/10.244.1.15"/' "$T_TMP/overflow2.yaml"
cat >>"$T_TMP/overflow2.yaml" <<EOT
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: echo-extra
  labels: {kubernetes.io/service-name: echo}
addressType: IPv4
endpoints:
- addresses: [10.244.1.21]
- addresses: [10.244.1.22]
- addresses: [10.244.1.23]
ports: [{name: tcp, port: 8080}]
EOT
t_begin "backend map overflow: names the limit and the flag"
out=$(tb ctl node1 -- apply -f "$T_TMP/overflow2.yaml" 2>&1)
assert_ne $? 0 && assert_contains "$out" "--max-backends=6" &&
	assert_eq "$(snapshot)" "$before" "maps and state unchanged" && t_pass

t_begin "a good file and a bad file in one apply: nothing is applied"
cat >"$T_TMP/good2.yaml" <<EOT
apiVersion: v1
kind: Service
metadata: {name: fine}
spec:
  clusterIP: 10.96.2.30
  ports: [{port: 80}]
EOT
out=$(tb ctl node1 -- apply -f "$T_TMP/good2.yaml" -f "$T_TMP/port.yaml" 2>&1)
assert_ne $? 0 && assert_contains "$out" "port.yaml:8:11: " &&
	assert_not_contains "$(tb ctl node1 -- get services)" "fine" &&
	assert_eq "$(snapshot)" "$before" "maps and state unchanged" && t_pass

t_begin "two Services claiming one ClusterIP:port: rejected with both positions"
cat >"$T_TMP/clash.yaml" <<EOT
apiVersion: v1
kind: Service
metadata: {name: clash}
spec:
  clusterIP: 10.96.2.10
  ports: [{port: 80}]
EOT
out=$(tb ctl node1 -- apply -f "$T_TMP/clash.yaml" 2>&1)
assert_ne $? 0 && assert_contains "$out" "clash.yaml:1:1: " && assert_contains "$out" "good.yaml:1:1" &&
	assert_eq "$(snapshot)" "$before" "maps and state unchanged" && t_pass

t_begin "delete of an object that does not exist: error, nothing deleted"
out=$(tb ctl node1 -- delete -f "$T_TMP/good2.yaml" 2>&1)
assert_ne $? 0 && assert_contains "$out" "good2.yaml:1:1: service/default/fine not found" &&
	assert_eq "$(snapshot)" "$before" && t_pass

t_begin "re-applying the same input changes nothing"
out=$(tb ctl node1 -- apply -f "$T_TMP/good.yaml" 2>&1)
assert_contains "$out" "service/default/echo unchanged" && assert_eq "$(snapshot)" "$before" && t_pass

t_begin "apply from stdin, then delete: the Service is gone from the maps"
out=$(tb ctl node1 -- apply -f - <"$T_TMP/good2.yaml" 2>&1)
assert_contains "$out" "service/default/fine created" &&
	assert_eq "$(bpftool -j map dump pinned "$TB_NODE_node1_BPFFS/sl_svc" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2 &&
	out=$(tb ctl node1 -- delete -f "$T_TMP/good2.yaml" 2>&1) &&
	assert_contains "$out" "service/default/fine deleted" && assert_eq "$(snapshot)" "$before" && t_pass
