# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# sluice-notel: exactly the sluice variant (same Service, VIP 10.96.3.1), but both agents
# run with `--telemetry off` (restarted for the run with the suite's flags plus that one,
# and back to the default in teardown; the data plane and applied state are adopted).
# The report compares sluice (telemetry on) with this: the cost of telemetry.
# Path check: connect_translated on node1 rises; the connections counted in `sluicectl
# stats` (node1 and node2) and istio_tcp_connections_opened_total on both nodes' metrics
# endpoints do not move.

v_sluice_notel_setup() {
	agents_restart --telemetry off || return 1
	v_sluice_setup
}
v_sluice_notel_teardown() {
	v_sluice_teardown || true
	agents_restart
}
v_sluice_notel_counters() {
	echo "node1_connect_translated=$(sluice_counter node1 connect_translated)"
	echo "same_node1_flows_opened=$(sluice_flows_opened node1)"
	echo "same_node2_flows_opened=$(sluice_flows_opened node2)"
	echo "same_istio_opened=$(($(istio_opened node1) + $(istio_opened node2)))"
}
v_sluice_notel_mesh_pids() { :; }
