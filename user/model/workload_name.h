/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The names Istio's telemetry gives a pod: its workload (the Deployment, or what the
 * labels say) and its labels. Shared by the agent (TCP metrics) and sluice-proxy
 * (request metrics), so both name a pod the same way.
 */
#ifndef SLUICE_MODEL_WORKLOAD_NAME_H
#define SLUICE_MODEL_WORKLOAD_NAME_H

#include <stddef.h>

#include "model/objects-t.h"

/* Istio's workload name of a pod: label service.istio.io/canonical-name,
 * app.kubernetes.io/name, app, else the pod name without its ReplicaSet/pod hashes;
 * "unknown" for NULL. */
void sl_workload_name(const struct sl_object *pod, char *buf, size_t len);
/* A pod label, or "unknown" (also for NULL or an empty value). */
const char *sl_pod_label(const struct sl_object *pod, const char *key);

#endif
