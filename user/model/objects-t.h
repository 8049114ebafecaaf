/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Kubernetes objects Sluice understands, as plain C values. Produced by the
 * configuration decoder (user/config/), kept by the desired-state store
 * (user/state/), compiled into map entries (user/state/compile.c) and printed back
 * by the emitter (user/config/emit.c). All strings are NUL-terminated heap copies
 * owned by the object; free with sl_object_free().
 */
#ifndef SLUICE_MODEL_OBJECTS_T_H
#define SLUICE_MODEL_OBJECTS_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where something was written: for error messages ("file:line:column"). */
struct sl_pos {
	const char *file; /* not owned: the caller keeps the name alive */
	int line; /* 1-based */
	int col; /* 1-based */
};

/* An IP address. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d), as in the kernel ABI. */
struct sl_ip {
	uint8_t b[16];
	uint8_t family; /* 4 or 6 */
};

/* Kubernetes' tri-state booleans: a missing condition is not the same as false. */
enum sl_tristate {
	SL_UNSET = 0,
	SL_FALSE,
	SL_TRUE,
};

struct sl_label {
	char *key;
	char *value;
};

struct sl_meta_obj {
	char *ns; /* "default" when the document omits it, for namespaced kinds */
	char *name;
	char *uid; /* may be NULL */
	struct sl_label *labels;
	size_t nlabels;
	struct sl_pos pos; /* position of the document's first key */
};

enum sl_svc_type {
	SL_SVC_CLUSTER_IP = 0,
	SL_SVC_EXTERNAL_NAME, /* no VIP: nothing to program */
};

struct sl_svc_port {
	char *name; /* "" when unnamed */
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
	uint16_t target_port; /* numeric targetPort, 0 when named or absent */
	char *target_port_name; /* named targetPort, NULL when numeric or absent */
};

struct sl_service {
	struct sl_meta_obj meta;
	enum sl_svc_type type;
	bool headless; /* clusterIP: None */
	char *external_name; /* spec.externalName (ExternalName type), else NULL */
	bool affinity_client_ip; /* sessionAffinity: ClientIP */
	uint32_t
		affinity_timeout_s; /* sessionAffinityConfig.clientIP.timeoutSeconds (default 10800) */
	bool internal_local; /* internalTrafficPolicy: Local */
	struct sl_ip cluster_ips[2]; /* clusterIPs (or clusterIP), primary first */
	size_t ncluster_ips;
	struct sl_svc_port *ports;
	size_t nports;
};

struct sl_ep_port {
	char *name; /* "" when unnamed; matches the Service port's name */
	uint8_t protocol;
	uint16_t port;
};

struct sl_endpoint {
	struct sl_ip *addrs;
	size_t naddrs;
	enum sl_tristate ready, serving, terminating;
	char *node_name; /* may be NULL */
	char *target_kind, *target_ns, *target_name, *target_uid; /* targetRef, may be NULL */
};

struct sl_endpoint_slice {
	struct sl_meta_obj meta;
	char *service_name; /* label kubernetes.io/service-name; NULL if absent */
	uint8_t address_type; /* 4 or 6 (FQDN slices are rejected) */
	struct sl_endpoint *endpoints;
	size_t nendpoints;
	struct sl_ep_port *ports;
	size_t nports;
};

struct sl_pod {
	struct sl_meta_obj meta;
	char *service_account; /* "default" when omitted */
	char *node_name; /* may be NULL */
	struct sl_ip *pod_ips; /* status.podIPs (or status.podIP) */
	size_t npod_ips;
};

#include "model/istio-t.h"
#include "model/security-t.h"

enum sl_kind {
	SL_KIND_SERVICE = 1,
	SL_KIND_ENDPOINT_SLICE,
	SL_KIND_POD,
	SL_KIND_DESTINATION_RULE,
	SL_KIND_VIRTUAL_SERVICE,
	SL_KIND_AUTHORIZATION_POLICY,
};

/* One decoded document. */
struct sl_object {
	enum sl_kind kind;
	union {
		struct sl_meta_obj meta; /* first member of each of the below */
		struct sl_service svc;
		struct sl_endpoint_slice eps;
		struct sl_pod pod;
		struct sl_destination_rule dr;
		struct sl_virtual_service vs;
		struct sl_authz_policy ap;
	};
};

/* A growable list of decoded objects, in input order. */
struct sl_objects {
	struct sl_object *v;
	size_t n, cap;
};

#endif /* SLUICE_MODEL_OBJECTS_T_H */
