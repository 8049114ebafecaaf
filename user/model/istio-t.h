/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Istio traffic configuration (networking.istio.io v1, v1beta1, v1alpha3) as plain C
 * values: the parts the kernel enforces at connect time. Fields that need the L7 proxy
 * are refused by the decoder, by name, until the proxy handles them.
 * Included by objects-t.h (struct sl_meta_obj, struct sl_label come from there).
 */
#ifndef SLUICE_MODEL_ISTIO_T_H
#define SLUICE_MODEL_ISTIO_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sl_lb_simple {
	SL_LB_UNSET = 0, /* inherit (rule level: the default, RANDOM at L4) */
	SL_LB_RANDOM,
	SL_LB_ROUND_ROBIN,
	SL_LB_LEAST_REQUEST, /* also Istio's deprecated LEAST_CONN */
};

/* trafficPolicy.loadBalancer: `simple` and `consistentHash` are exclusive. */
struct sl_lb_policy {
	bool set; /* loadBalancer was written at this level */
	enum sl_lb_simple simple;
	bool hash_source_ip; /* consistentHash.useSourceIp: true */
	uint32_t maglev_table_size; /* consistentHash.maglev.tableSize, 0 = default */
};

/* trafficPolicy.connectionPool.tcp */
struct sl_conn_pool {
	bool set; /* maxConnections was written at this level */
	uint32_t max_connections;
};

struct sl_port_policy {
	uint16_t port; /* portLevelSettings[].port.number */
	struct sl_lb_policy lb;
	struct sl_conn_pool pool;
};

struct sl_traffic_policy {
	struct sl_lb_policy lb;
	struct sl_conn_pool pool;
	struct sl_port_policy *ports;
	size_t nports;
};

struct sl_subset {
	char *name;
	struct sl_label *labels; /* the endpoints whose Pod carries all of them */
	size_t nlabels;
	struct sl_traffic_policy policy; /* overrides the rule's, field by field */
};

struct sl_destination_rule {
	struct sl_meta_obj meta;
	char *host; /* as written: "reviews", "reviews.ns", "reviews.ns.svc.cluster.local" */
	struct sl_traffic_policy policy;
	struct sl_subset *subsets;
	size_t nsubsets;
};

/* VirtualService tcp[].match[] */
struct sl_l4_match {
	uint16_t port; /* 0 = any */
	struct sl_label *source_labels; /* the client Pod carries all of them; none = any */
	size_t nsource_labels;
	char *source_namespace; /* NULL = any */
};

/* VirtualService tcp[].route[] */
struct sl_route_dest {
	char *host;
	char *subset; /* NULL = all endpoints */
	uint16_t port; /* destination.port.number, 0 = not written */
	uint32_t weight; /* 0..100; a single route without weight gets 100 */
};

struct sl_tcp_route {
	struct sl_l4_match *matches; /* none = matches everything */
	size_t nmatches;
	struct sl_route_dest *routes; /* >= 1; weights sum to 100 */
	size_t nroutes;
};

struct sl_virtual_service {
	struct sl_meta_obj meta;
	char **hosts; /* >= 1, as written */
	size_t nhosts;
	struct sl_tcp_route *tcp; /* in order: the first matching route wins */
	size_t ntcp;
};

#endif /* SLUICE_MODEL_ISTIO_T_H */
