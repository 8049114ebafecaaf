# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# nftables: kube-proxy's nftables mode. Table `ip kube-proxy` with the service-ips verdict
# map (one lookup for every Service), a chain per Service with `numgen random mod N vmap`,
# a chain per endpoint with the DNAT; in both node namespaces, loaded with `nft -f`.
# VIP 10.96.2.1. Path check: counters on the real Services' DNAT rules rise.

V_NFT_VIP=10.96.2.1

nft_rules() {
	local n=$1 f
	shift
	f="$WORK/nft-$n${1:+-x}.nft"
	if [ $# -gt 0 ] || [ ! -s "$f" ]; then
		python3 "$GEN" nft --fillers "$n" "$@" \
			--svc "bench-nft=$V_NFT_VIP=$(pod_var "$SERVER_POD" IP4)=$SVC_PORTS" >"$f"
	fi
	printf '%s' "$f"
}

v_nftables_setup() {
	local f
	f=$(nft_rules 0)
	nsx node1 nft -f "$f"
	nsx node2 nft -f "$f"
	TARGET=$V_NFT_VIP
}
v_nftables_teardown() {
	nf_clear node1
	nf_clear node2
}
v_nftables_counters() {
	nsx node1 nft list table ip kube-proxy 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") s += $(i + 1) } END { print "node1_nft_dnat_packets=" s + 0 }'
}
v_nftables_mesh_pids() { :; }
