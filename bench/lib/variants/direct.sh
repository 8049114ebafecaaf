# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# direct: the client dials the backend pod's IP. No Service, no mesh: the floor.
# Path check: node1 forwarded the packets (IP ForwDatagrams in node1's namespace rises),
# and (as for every non-Sluice variant) Sluice translated nothing.

v_direct_setup() { TARGET=$(pod_var "$SERVER_POD" IP4); }
v_direct_teardown() { :; }
v_direct_counters() {
	# shellcheck disable=SC2016 # awk program
	echo "node1_ip_forwarded=$(nsx node1 awk '$1 == "Ip:" && $2 ~ /^[0-9]/ { print $7 }' /proc/net/snmp)"
}
v_direct_mesh_pids() { :; }
