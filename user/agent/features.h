/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_AGENT_FEATURES_H
#define SLUICE_AGENT_FEATURES_H

#include "agent/datapath.h"

void sl_probe_features(struct sl_features *f);

#endif
