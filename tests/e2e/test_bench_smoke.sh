#!/usr/bin/env bash
# The benchmark suite's smoke mode (bench/run --smoke): one short repetition of every
# variant through the main tests, the scale sweep and the programming test, each run
# checking that the variant really routes through the path it names (iptables and nft
# counters rise, Sluice's maps are hit, HAProxy sessions rise). Timings are not asserted.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_tools sl-echo
require_cmd python3 sockperf iperf3 wrk haproxy nginx iptables nft conntrack socat

BENCH_OUT="$T_TMP/out"
BENCH_LOG="$T_TMP/bench.log"
# bench/run takes its own testbed down when it exits; the testbed name is this file's.
"$REPO/bench/run" --smoke --no-deps --name "$TB_NAME" --out "$BENCH_OUT" >"$BENCH_LOG" 2>&1
BENCH_RC=$?

t_begin "raw records are valid JSON whatever the values look like"
# jrec writes JSON numbers as numbers and the rest as strings; a commit such as 0622483
# once made the meta record unreadable.
recs=$(RAW="$T_TMP/jrec.jsonl" bash -c '. "$1/bench/lib/common.sh" &&
	jrec git 0622483 a 0 b 0.5 c -12 d 1e3 e 007 f 1.2.3 g "x\"y" && cat "$RAW"' sh "$REPO")
assert_eq "$(printf '%s' "$recs" | python3 -c 'import json, sys; r = json.loads(sys.stdin.read())
print(repr(r["git"]), r["a"], r["b"], r["c"], r["d"], repr(r["e"]), repr(r["f"]), r["g"])')" \
	"'0622483' 0 0.5 -12 1000.0 '007' '1.2.3' x\"y" && t_pass

t_begin "bench/run --smoke exits 0 (every run measured and verified)"
assert_eq "$BENCH_RC" 0 "exit status; log tail: $(tail -5 "$BENCH_LOG")" && t_pass

md=$(compgen -G "$BENCH_OUT/*-smoke.md" | head -1)
json=$(compgen -G "$BENCH_OUT/*-smoke.json" | head -1)

t_begin "markdown and json results are written"
if [ -s "$md" ] && [ -s "$json" ] && python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$json"; then
	t_pass
else
	t_fail "missing or invalid results in $BENCH_OUT: $(ls "$BENCH_OUT" 2>&1)"
fi

t_begin "PNG plots are written when gnuplot is installed"
if ! command -v gnuplot >/dev/null 2>&1; then
	t_skip "gnuplot not installed"
elif compgen -G "$BENCH_OUT/*-smoke-ratio.png" >/dev/null; then
	t_pass
else
	t_fail "no PNG in $BENCH_OUT"
fi

# verified VARIANT TEST: that (test, variant) has runs and all passed their path check.
verified() {
	python3 - "$json" "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
v, t = sys.argv[2], sys.argv[3]
runs = [r for r in d["runs"] if r["variant"] == v and r["test"] == t]
bad = [r for r in runs if r["status"] != "ok"]
if not runs:
    print("no runs")
    sys.exit(1)
if bad:
    print("; ".join("%s: %s" % (r["status"], r.get("error", "")) for r in bad)[:400])
    sys.exit(1)
EOF
}

for v in direct iptables nftables sluice sidecar node-proxy sluice-notel sluice-policy sluice-local sluice-accel; do
	t_begin "variant $v routes through its path in every test"
	errs=""
	for t in rr64 tput1 http_ka http_close; do
		out=$(verified "$v" "$t" 2>&1) || errs+="$t: $out; "
	done
	assert_eq "$errs" "" "$v" && t_pass
done

t_begin "the iptables variant's DNAT counters and Sluice's connect_translated rose"
out=$(python3 - "$json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
def rose(v, key):
    for r in d["runs"]:
        if r["variant"] == v and r["status"] == "ok":
            b = dict(x.split("=") for x in r["counters_before"].split())
            a = dict(x.split("=") for x in r["counters_after"].split())
            if int(a[key]) > int(b[key]):
                return True
    return False
print(rose("iptables", "node1_dnat_packets"), rose("nftables", "node1_nft_dnat_packets"),
      rose("sluice", "node1_connect_translated"))
EOF
)
assert_eq "$out" "True True True" && t_pass

t_begin "scale sweep and programming test ran for sluice, iptables and nftables"
out=$(python3 - "$json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
for s in ("sluice", "iptables", "nftables"):
    for op in ("scratch", "change"):
        p = [v for k, v in d["programming"].items() if k.startswith(s + "/") and k.endswith("/" + op) and v["n"] > 0]
        if not p or any(x["status"] != "ok" for x in p):
            bad.append("%s %s: %s" % (s, op, [x.get("status") for x in p]))
    sc = [v for k, v in d["scale"].items() if k.startswith(s + "/")]
    if len(sc) < 2 or any(x["status"] != "ok" for x in sc):
        bad.append("%s scale: %s" % (s, [x.get("status") for x in sc]))
print("; ".join(bad))
EOF
)
assert_eq "$out" "" && t_pass

t_begin "nothing is left behind (testbed, netns, cgroups, pins)"
left=""
compgen -G "/run/netns/$TB_NAME-*" >/dev/null && left+="netns "
[ -e "/run/sluice-testbed/$TB_NAME" ] && left+="run-dir "
[ -e "/sys/fs/bpf/sluice-testbed-$TB_NAME" ] && left+="pins "
grep -q "sluice-testbed-$TB_NAME" /proc/self/mountinfo && left+="mounts "
for cg in /sys/fs/cgroup/sluice-testbed-"$TB_NAME" /sys/fs/cgroup/unified/sluice-testbed-"$TB_NAME"; do
	[ -e "$cg" ] && left+="cgroup "
done
assert_eq "$left" "" && t_pass
