#!/usr/bin/env python3
"""Generates a large authorization state for the policy-programming benchmark:

  authz-gen.py --pods 10000 --policies 1000 --node node1 --nodes 10 [--tighten]

Pods: spread over 100 namespaces (ns-<i>), 10 service accounts and 20 apps per
namespace, round-robin over --nodes node names (node1 .. nodeN), one IPv4 address each
in 10.248.0.0/14. Policies: spread over the namespaces; most are ALLOWs of one app from
two namespaces and a principal on one or two ports, every 10th a DENY of an address
block, every 50th a namespace-wide ALLOW with notNamespaces. --tighten changes the
first policy's allowed principal (the single-policy change that is timed second).
"""
import argparse

NS = 100
SAS = 10
APPS = 20


def pods(n, nodes):
    for i in range(n):
        ns = i % NS
        ip = 0x0AF80000 + i + 1  # 10.248.0.1 ...
        addr = "%d.%d.%d.%d" % (ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255)
        print("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p-%d\n  namespace: ns-%d\n"
              "  uid: \"00000000-0000-4000-8000-%012d\"\n  labels: {app: app-%d}\n"
              "spec: {nodeName: node%d, serviceAccountName: sa-%d}\n"
              "status: {podIP: %s}" % (i, ns, i, (i // NS) % APPS, i % nodes + 1, (i // NS) % SAS,
                                        addr))


def policies(n, tighten):
    for j in range(n):
        ns = j % NS
        app = (j // NS) % APPS
        name = "pol-%d" % j
        if j % 50 == 49:
            print("---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
                  "metadata: {name: %s, namespace: ns-%d}\nspec:\n  rules:\n"
                  "  - from: [{source: {notNamespaces: [ns-%d]}}]" % (name, ns, (ns + 3) % NS))
        elif j % 10 == 9:
            print("---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
                  "metadata: {name: %s, namespace: ns-%d}\nspec:\n  action: DENY\n"
                  "  selector: {matchLabels: {app: app-%d}}\n  rules:\n"
                  "  - from: [{source: {ipBlocks: [\"10.%d.0.0/16\"]}}]\n"
                  "    to: [{operation: {ports: [\"22\"]}}]" % (name, ns, app, 200 + j % 50))
        else:
            sa = (j + 1) % SAS if not (tighten and j == 0) else 99
            print("---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
                  "metadata: {name: %s, namespace: ns-%d}\nspec:\n"
                  "  selector: {matchLabels: {app: app-%d}}\n  rules:\n"
                  "  - from: [{source: {namespaces: [ns-%d, ns-%d]}}]\n"
                  "    to: [{operation: {ports: [\"8080\", \"%d\"]}}]\n"
                  "  - from: [{source: {principals: [\"cluster.local/ns/ns-%d/sa/sa-%d\"]}}]"
                  % (name, ns, app, (ns + 1) % NS, (ns + 2) % NS, 9000 + j % 7, (ns + 5) % NS, sa))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--tighten", action="store_true")
    ap.add_argument("--only", choices=["pods", "policies", "all"], default="all")
    a = ap.parse_args()
    if a.only in ("pods", "all"):
        pods(a.pods, a.nodes)
    if a.only in ("policies", "all"):
        policies(a.policies, a.tighten)


main()
