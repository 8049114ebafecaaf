#!/usr/bin/env bash
# Configuration users already have applies as it is: what `kubectl get -o yaml` prints,
# and Istio's Bookinfo platform files (Services applied, other kinds skipped with a
# notice). Istio HTTP routes decode but need sluice-proxy, and are refused, named, without it.
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

# They decode (HTTP routes are in the model); the compiler refuses them while
# sluice-proxy is not enabled, and the DestinationRule beside a VirtualService in the same
# file is not applied either (all or nothing).
for f in bookinfo-networking-virtual-service-all-v1.yaml \
	bookinfo-networking-virtual-service-reviews-jason-v2-v3.yaml \
	bookinfo-networking-virtual-service-ratings-test-delay.yaml \
	bookinfo-networking-fault-injection-details-v1.yaml; do
	t_begin "Istio sample $f: its HTTP routes need sluice-proxy, named, nothing applied"
	if [ ! -f "$COMPAT/$f" ]; then
		t_skip "../shared/compat is not beside the repository"
		continue
	fi
	out=$(tb ctl node1 -- apply -f "$COMPAT/$f" 2>&1)
	assert_ne $? 0 "$out" || continue
	assert_match "$out" "$f:[0-9]+:[0-9]+: VirtualService default/[a-z]+: spec\.http \(HTTP routes\) needs sluice-proxy \(the L7 proxy is not enabled on this node\)" || continue
	assert_contains "$out" "nothing was applied" || continue
	out=$(tb ctl node1 -- get virtualservices 2>&1)
	assert_not_contains "$out" "default " || continue
	out=$(tb ctl node1 -- get destinationrules 2>&1)
	assert_not_contains "$out" "details" && t_pass
done
