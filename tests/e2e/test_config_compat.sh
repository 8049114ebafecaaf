#!/usr/bin/env bash
# Configuration users already have applies as it is: what `kubectl get -o yaml` prints,
# and Istio's Bookinfo platform files (Services applied, other kinds skipped with a
# notice). Istio routing kinds are refused by name until the issues that implement them.
# TB_* variables come from the testbed env file (tb_env).
# shellcheck disable=SC2154
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_tools sl-echo sl-probe

COMPAT="$REPO/../shared/compat/istio-samples"
tb_up --nodes 1 --pods 1 >"$T_TMP/up.log" 2>&1 || { cat "$T_TMP/up.log"; exit 1; }

t_begin "kubectl get svc,endpointslices,pods -A -o yaml output applies unchanged"
out=$(tb ctl node1 -- apply -f "$REPO/tests/unit/fixtures/kubectl-get-all.yaml" 2>&1)
assert_eq $? 0 "$out" && assert_contains "$out" "service/default/kubernetes created" &&
	assert_contains "$out" "endpointslice/" && assert_contains "$out" "pod/" && t_pass

t_begin "re-applying the kubectl output changes nothing"
out=$(tb ctl node1 -- apply -f "$REPO/tests/unit/fixtures/kubectl-get-all.yaml" 2>&1)
assert_eq $? 0 "$out" && assert_not_contains "$out" " created" && assert_not_contains "$out" " configured" &&
	t_pass

t_begin "what get -o yaml prints applies back unchanged"
tb ctl node1 -- get services -o yaml >"$T_TMP/back.yaml"
out=$(tb ctl node1 -- apply -f "$T_TMP/back.yaml" 2>&1)
assert_eq $? 0 "$out" && assert_contains "$out" "unchanged" && assert_not_contains "$out" "configured" && t_pass

for f in bookinfo-platform-kube-bookinfo.yaml bookinfo-platform-kube-bookinfo-versions.yaml \
	bookinfo-platform-kube-bookinfo-dualstack.yaml; do
	t_begin "Istio sample $f applies"
	if [ ! -f "$COMPAT/$f" ]; then
		t_skip "../shared/compat is not beside the repository"
		continue
	fi
	out=$(tb ctl node1 -- apply -f "$COMPAT/$f" 2>&1)
	assert_eq $? 0 "$out" || continue
	if grep -q '^kind: Service$' "$COMPAT/$f"; then
		assert_contains "$out" "service/default/" || continue
	fi
	if grep -q '^kind: Deployment$' "$COMPAT/$f"; then
		assert_contains "$out" "skipped Deployment" || continue
	fi
	t_pass
done

t_begin "Istio HTTP routes are refused by name until the L7 proxy exists, nothing applied"
f="$COMPAT/bookinfo-networking-virtual-service-all-v1.yaml"
if [ -f "$f" ]; then
	out=$(tb ctl node1 -- apply -f "$f" 2>&1)
	assert_ne $? 0 && assert_match "$out" "$f:[0-9]+:[0-9]+: spec.http: HTTP routes need the L7 proxy" &&
		assert_contains "$out" "nothing was applied" && t_pass
else
	t_skip "../shared/compat is not beside the repository"
fi
