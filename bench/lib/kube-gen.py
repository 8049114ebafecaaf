#!/usr/bin/env python3
"""Generates the same set of Services three ways, for the benchmarks:

  iptables  iptables-restore input in the shape kube-proxy's iptables mode writes
            (KUBE-SERVICES -> KUBE-SVC-<hash> -> KUBE-SEP-<hash>, `statistic` probabilities,
            KUBE-MARK-MASQ, KUBE-POSTROUTING, the filter-table chains)
  nft       `nft -f` input in the shape of kube-proxy's nftables mode (table ip kube-proxy,
            the service-ips verdict map, numgen random vmap per service)
  sluice    v1 Service + discovery.k8s.io/v1 EndpointSlice YAML for `sluicectl apply`

Services: N "filler" Services (bench-fill-<i>, one TCP port 80 -> 8080, 4 endpoints at
addresses nobody uses) listed ahead of the real ones given with --svc
NAME=VIP=EP[+EP...]=PORTNAME:PORT:TARGET[,PORTNAME:PORT:TARGET...].
Filler i has ClusterIP 10.100.0.0 + i and endpoints in 10.245.0.0/15.
"""
import argparse
import base64
import hashlib
import sys

NS = "default"


def filler(i):
    vip = "10.%d.%d.%d" % (100 + (i >> 16), (i >> 8) & 255, i & 255)
    eps = []
    for k in range(4):
        e = i * 4 + k
        eps.append("10.%d.%d.%d" % (245 + (e >> 16), (e >> 8) & 255, e & 255))
    return {"name": "bench-fill-%d" % i, "vip": vip, "eps": eps,
            "ports": [("http", 80, 8080)], "real": False}


def parse_svc(spec):
    name, vip, eps, ports = spec.split("=")
    pl = []
    for p in ports.split(","):
        pn, port, tgt = p.split(":")
        pl.append((pn, int(port), int(tgt)))
    return {"name": name, "vip": vip, "eps": eps.split("+"), "ports": pl, "real": True}


def h16(s):
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:16]


def h8(s):
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:8]


def spn(svc, pn):
    return "%s/%s:%s" % (NS, svc["name"], pn)


def gen_iptables(svcs, cidr, out):
    w = out.write
    # filter table: what kube-proxy writes there (the same for every N).
    w("*filter\n")
    for c in ("KUBE-NODEPORTS", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL",
              "KUBE-FORWARD", "KUBE-PROXY-FIREWALL", "KUBE-PROXY-CANARY"):
        w(":%s - [0:0]\n" % c)
    w(":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n")
    w('-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n')
    w('-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS\n')
    w('-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES\n')
    w("-A INPUT -j KUBE-FIREWALL\n")
    w('-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n')
    w('-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD\n')
    w('-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n')
    w('-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES\n')
    w('-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n')
    w('-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n')
    w("-A OUTPUT -j KUBE-FIREWALL\n")
    w('-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n')
    w("-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n")
    w('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT\n')
    w('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n')
    w("COMMIT\n")
    # nat table
    w("*nat\n")
    w(":PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n")
    for c in ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ",
              "KUBE-PROXY-CANARY"):
        w(":%s - [0:0]\n" % c)
    rules = []
    chains = []
    for s in svcs:
        for pn, port, tgt in s["ports"]:
            name = spn(s, pn)
            svc_chain = "KUBE-SVC-" + h16(name + "tcp")
            chains.append(svc_chain)
            cmt = '"%s cluster IP"' % name
            rules.append("-A KUBE-SERVICES -m comment --comment %s -m tcp -p tcp -d %s/32 --dport %d -j %s\n"
                         % (cmt, s["vip"], port, svc_chain))
            rules.append("-A %s -m comment --comment %s -m tcp -p tcp -d %s/32 --dport %d ! -s %s -j KUBE-MARK-MASQ\n"
                         % (svc_chain, cmt, s["vip"], port, cidr))
            n = len(s["eps"])
            for i, ep in enumerate(s["eps"]):
                epstr = "%s:%d" % (ep, tgt)
                sep = "KUBE-SEP-" + h16(name + "tcp" + epstr)
                chains.append(sep)
                c2 = '"%s -> %s"' % (name, epstr)
                if i < n - 1:
                    rules.append("-A %s -m comment --comment %s -m statistic --mode random --probability %.10f -j %s\n"
                                 % (svc_chain, c2, 1.0 / (n - i), sep))
                else:
                    rules.append("-A %s -m comment --comment %s -j %s\n" % (svc_chain, c2, sep))
                rules.append("-A %s -m comment --comment %s -s %s/32 -j KUBE-MARK-MASQ\n" % (sep, name, ep))
                rules.append("-A %s -m comment --comment %s -m tcp -p tcp -j DNAT --to-destination %s\n"
                             % (sep, name, epstr))
    for c in chains:
        w(":%s - [0:0]\n" % c)
    w('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n')
    w('-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n')
    w('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING\n')
    w("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n")
    w("-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n")
    w('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully\n')
    w("-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n")
    w("".join(rules))
    w('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n')
    w("COMMIT\n")


def gen_nft(svcs, cidr, out):
    w = out.write
    # Replace the whole table in one transaction, as a full kube-proxy sync does.
    w("table ip kube-proxy\ndelete table ip kube-proxy\n")
    w('add table ip kube-proxy { comment "rules for kube-proxy" ; }\n')
    w("add chain ip kube-proxy mark-for-masquerade\n")
    w("add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000\n")
    w("add chain ip kube-proxy masquerading\n")
    w("add rule ip kube-proxy masquerading mark and 0x4000 == 0 return\n")
    w("add rule ip kube-proxy masquerading mark set mark xor 0x4000\n")
    w("add rule ip kube-proxy masquerading masquerade fully-random\n")
    w("add chain ip kube-proxy services\n")
    w("add chain ip kube-proxy service-endpoints-check\n")
    w("add chain ip kube-proxy firewall-check\n")
    w("add chain ip kube-proxy cluster-ips-check\n")
    w("add chain ip kube-proxy filter-prerouting { type filter hook prerouting priority -110 ; }\n")
    w("add rule ip kube-proxy filter-prerouting ct state new jump firewall-check\n")
    w("add chain ip kube-proxy filter-forward { type filter hook forward priority -110 ; }\n")
    w("add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check\n")
    w("add rule ip kube-proxy filter-forward ct state new jump cluster-ips-check\n")
    w("add chain ip kube-proxy filter-output { type filter hook output priority -110 ; }\n")
    w("add rule ip kube-proxy filter-output ct state new jump service-endpoints-check\n")
    w("add rule ip kube-proxy filter-output ct state new jump firewall-check\n")
    w("add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }\n")
    w("add rule ip kube-proxy nat-prerouting jump services\n")
    w("add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }\n")
    w("add rule ip kube-proxy nat-output jump services\n")
    w("add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }\n")
    w("add rule ip kube-proxy nat-postrouting jump masquerading\n")
    w('add set ip kube-proxy cluster-ips { type ipv4_addr ; comment "Active ClusterIPs" ; }\n')
    w('add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }\n')
    w('add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }\n')
    w("add rule ip kube-proxy cluster-ips-check ip daddr @cluster-ips reject comment \"Reject traffic to invalid ports of ClusterIPs\"\n")
    w("add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services\n")
    w("add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips\n")
    elems = []
    for s in svcs:
        elems.append("add element ip kube-proxy cluster-ips { %s }\n" % s["vip"])
        for pn, port, tgt in s["ports"]:
            name = spn(s, pn)
            base = "%s/%s/tcp/%s" % (NS, s["name"], pn)
            svc_chain = "service-%s-%s" % (h8(base), base)
            # counters only on the real services: the bench reads them to verify the path
            cnt = "counter " if s["real"] else ""
            w("add chain ip kube-proxy %s\n" % svc_chain)
            w("add rule ip kube-proxy %s ip daddr %s tcp dport %d ip saddr != %s jump mark-for-masquerade\n"
              % (svc_chain, s["vip"], port, cidr))
            vm = []
            for i, ep in enumerate(s["eps"]):
                epb = "%s__%s/%d" % (base, ep, tgt)
                epc = "endpoint-%s-%s" % (h8(epb), epb)
                w("add chain ip kube-proxy %s\n" % epc)
                w("add rule ip kube-proxy %s ip saddr %s jump mark-for-masquerade\n" % (epc, ep))
                w("add rule ip kube-proxy %s %smeta l4proto tcp dnat to %s:%d\n" % (epc, cnt, ep, tgt))
                vm.append("%d : goto %s" % (i, epc))
            w("add rule ip kube-proxy %s numgen random mod %d vmap { %s }\n"
              % (svc_chain, len(vm), " , ".join(vm)))
            elems.append("add element ip kube-proxy service-ips { %s . tcp . %d : goto %s }\n"
                         % (s["vip"], port, svc_chain))
    w("".join(elems))


def gen_sluice(svcs, out):
    w = out.write
    for s in svcs:
        ports = ", ".join("{name: %s, port: %d, targetPort: %d, protocol: TCP}" % (pn, p, t)
                          for pn, p, t in s["ports"])
        w("apiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: %s}\n"
          "spec:\n  clusterIP: %s\n  ports: [%s]\n---\n" % (s["name"], NS, s["vip"], ports))
        eps = "".join("- addresses: [\"%s\"]\n  conditions: {ready: true}\n" % e for e in s["eps"])
        sp = ", ".join("{name: %s, port: %d, protocol: TCP}" % (pn, t) for pn, p, t in s["ports"])
        w("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
          "metadata:\n  name: %s-ipv4\n  namespace: %s\n  labels: {kubernetes.io/service-name: %s}\n"
          "addressType: IPv4\nendpoints:\n%sports: [%s]\n---\n" % (s["name"], NS, s["name"], eps, sp))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("format", choices=["iptables", "nft", "sluice"])
    ap.add_argument("--fillers", type=int, default=0)
    ap.add_argument("--svc", action="append", default=[])
    ap.add_argument("--cluster-cidr", default="10.244.0.0/16")
    a = ap.parse_args()
    svcs = [filler(i) for i in range(a.fillers)] + [parse_svc(s) for s in a.svc]
    out = sys.stdout
    if a.format == "iptables":
        gen_iptables(svcs, a.cluster_cidr, out)
    elif a.format == "nft":
        gen_nft(svcs, a.cluster_cidr, out)
    else:
        gen_sluice(svcs, out)


if __name__ == "__main__":
    main()
