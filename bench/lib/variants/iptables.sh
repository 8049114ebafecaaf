# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# iptables: kube-proxy's iptables mode. The rules kube-proxy writes (KUBE-SERVICES ->
# KUBE-SVC-* -> KUBE-SEP-* with `statistic` probabilities, DNAT, KUBE-MARK-MASQ,
# KUBE-POSTROUTING, the filter chains) in both node namespaces, loaded with
# iptables-restore (Debian's iptables, the nf_tables backend). VIP 10.96.1.1.
# Path check: the packet counters of the DNAT rules to the server rise.

V_IPT_VIP=10.96.1.1

# ipt_rules FILLERS [EXTRA_SVC...]: the rule set (cached in $WORK).
ipt_rules() {
	local n=$1 f
	shift
	f="$WORK/iptables-$n${1:+-x}.rules"
	if [ $# -gt 0 ] || [ ! -s "$f" ]; then
		python3 "$GEN" iptables --fillers "$n" "$@" \
			--svc "bench-ipt=$V_IPT_VIP=$(pod_var "$SERVER_POD" IP4)=$SVC_PORTS" >"$f"
	fi
	printf '%s' "$f"
}

# nf_clear NODE|POD: remove every netfilter rule and conntrack entry in that namespace
# (only testbed namespaces; what the bench put there).
nf_clear() {
	nsx "$1" nft flush ruleset
	nsx "$1" conntrack -F >/dev/null 2>&1 || true
}

v_iptables_setup() {
	local f
	f=$(ipt_rules 0)
	nsx node1 iptables-restore <"$f"
	nsx node2 iptables-restore <"$f"
	TARGET=$V_IPT_VIP
}
v_iptables_teardown() {
	nf_clear node1
	nf_clear node2
}
v_iptables_counters() {
	local ip
	ip=$(pod_var "$SERVER_POD" IP4)
	nsx node1 iptables-save -c -t nat | awk -v ip="$ip" '
		/-j DNAT/ && index($0, "--to-destination " ip ":") { split($1, a, /[\[:\]]/); s += a[2] }
		END { print "node1_dnat_packets=" s + 0 }'
}
v_iptables_mesh_pids() { :; }
