# shellcheck shell=bash
# Variables set here are read by the files that source this one.
# shellcheck disable=SC2034
# Scale sweep and programming time, for the variants that keep a table of Services
# (sluice, iptables, nftables).
#
# For each of them in turn and N = 0, then each of $SCALE_NS:
#   1. from scratch, install N "filler" Services x 4 endpoints, the probe Service (4
#      endpoints: sl-echo in $PROBE_PODS) and, last, the target Service (nginx): one
#      `sluicectl apply -f`, `iptables-restore` or `nft -f` of the whole set on node1
#      (timed) while node2 gets the same in parallel (programming time, "scratch");
#   2. change one endpoint of the probe Service ($PROBE_NEW replaces the last one):
#      Sluice applies the changed EndpointSlice, iptables and nftables reload the full
#      rule set, as kube-proxy's full sync does ("change"); a poller in the client pod
#      connects to the probe VIP in a loop and notes when a new connection first reaches
#      the new endpoint;
#   3. the new-connection test (http_close) against the target, $REPS times;
#   4. Sluice's agent RSS at N; remove everything (timed).
# Installing 30k rule sets takes seconds to minutes, so here repetitions of one variant
# run back to back at each N; the goal compares each variant with itself at N = 0.

SCALE_SYSTEMS="sluice iptables nftables"
declare -A PROBE_VIP=([sluice]=10.97.3.1 [iptables]=10.97.1.1 [nftables]=10.97.2.1)
declare -A TARGET_VIP=([sluice]=10.96.3.1 [iptables]=10.96.1.1 [nftables]=10.96.2.1)
declare -A GEN_FMT=([sluice]=sluice [iptables]=iptables [nftables]=nft)
declare -A TARGET_NAME=([sluice]=bench-sluice [iptables]=bench-ipt [nftables]=bench-nft)

# gen_state SYSTEM N WHICH: the file to load (WHICH: full | changed | change-only).
gen_state() {
	local s=$1 n=$2 which=$3 eps f
	f="$WORK/state-$s-$n-$which"
	[ -s "$f" ] && { printf '%s' "$f"; return; }
	if [ "$which" = full ]; then
		# shellcheck disable=SC2086 # word splitting wanted
		eps=$(probe_ips $PROBE_PODS)
	else
		# shellcheck disable=SC2086
		eps=$(probe_ips $PROBE_PODS_KEPT "$PROBE_NEW")
	fi
	if [ "$which" = change-only ]; then
		python3 "$GEN" "${GEN_FMT[$s]}" --svc "bench-probe=${PROBE_VIP[$s]}=$eps=tcp:$PROBE_PORT:$PROBE_PORT" >"$f"
	else
		python3 "$GEN" "${GEN_FMT[$s]}" --fillers "$n" \
			--svc "bench-probe=${PROBE_VIP[$s]}=$eps=tcp:$PROBE_PORT:$PROBE_PORT" \
			--svc "${TARGET_NAME[$s]}=${TARGET_VIP[$s]}=$(pod_var "$SERVER_POD" IP4)=$SVC_PORTS" >"$f"
	fi
	printf '%s' "$f"
}

# load SYSTEM NODE FILE: program the node (bounded by $PROG_TIMEOUT).
load() {
	case $1 in
	sluice) timeout "$PROG_TIMEOUT" "$TESTBED" ctl --name "$BENCH_TB" "$2" -- apply -f "$3" >/dev/null ;;
	iptables) timeout "$PROG_TIMEOUT" nsenter --net="/run/netns/$BENCH_TB-$2" iptables-restore <"$3" ;;
	nftables) timeout "$PROG_TIMEOUT" nsenter --net="/run/netns/$BENCH_TB-$2" nft -f "$3" ;;
	esac
}

# unload SYSTEM NODE FILE: remove it all again.
unload() {
	case $1 in
	sluice) timeout "$PROG_TIMEOUT" "$TESTBED" ctl --name "$BENCH_TB" "$2" -- delete --ignore-not-found -f "$3" >/dev/null ;;
	*) nf_clear "$2" ;;
	esac
}

# poller_start VIP WANT: start the connect loop in the client pod; waits for "ready".
poller_start() {
	POLL_OUT="$WORK/poll.out"
	: >"$POLL_OUT"
	tb exec "$CLIENT_POD" -- taskset -c "$CLIENT_CPU" python3 "$BENCH_LIB/poll-connect.py" \
		"$1" "$PROBE_PORT" "$2" "$((PROG_TIMEOUT + 10))" </dev/null >"$POLL_OUT" 2>&1 &
	POLL_PID=$!
	wait_for 10 grep -q ready "$POLL_OUT"
}

# poller_wait: sets POLL_SEEN to the unix ns at which it saw what it wanted (empty if
# it did not).
poller_wait() {
	wait "$POLL_PID" || true
	POLL_SEEN=$(awk '$1 == "seen" { print $2 }' "$POLL_OUT")
}

# timed_load SYSTEM N FILE OP: load on node1 (timed) and node2 (in parallel), with the
# poller started by the caller; records one "prog" line. Sets LOAD_S, LOAD_RC.
timed_load() {
	local s=$1 n=$2 f=$3 op=$4 want=$5 t0 t1 seen p2 rc2=0 after_ms usable_s status=ok
	LOAD_RC=0
	poller_start "${PROBE_VIP[$s]}" "$want" || log "poller did not start"
	load "$s" node2 "$f" &
	p2=$!
	t0=$(now_ns)
	load "$s" node1 "$f" || LOAD_RC=$?
	t1=$(now_ns)
	poller_wait
	seen=$POLL_SEEN
	wait "$p2" || rc2=$?
	LOAD_S=$(s_between "$t0" "$t1")
	if [ "$LOAD_RC" != 0 ]; then
		status=$([ "$LOAD_RC" = 124 ] && echo timeout || echo failed)
	elif [ "$rc2" != 0 ]; then
		status=failed
	elif [ -z "$seen" ]; then
		status=unverified
	fi
	after_ms="" usable_s=""
	if [ -n "$seen" ]; then
		after_ms=$(ms_between "$t1" "$seen")
		usable_s=$(s_between "$t0" "$seen")
	fi
	jrec kind prog system "$s" n "$n" op "$op" status "$status" load_s "$LOAD_S" \
		usable_s "${usable_s:-null}" visible_after_return_ms "${after_ms:-null}" \
		poll "$(tr '\n' ' ' <"$POLL_OUT")" rc "$LOAD_RC" rc_node2 "$rc2"
	log "$(printf 'programming %-8s N=%-6s %-7s %s: load %s s, new connections use it %s ms after return' \
		"$s" "$n" "$op" "$status" "$LOAD_S" "${after_ms:-?}")"
	LOAD_STATUS=$status
	[ "$status" = ok ]
}

scale_one() {
	local s=$1 n=$2 f fc t0 t1 p rep
	f=$(gen_state "$s" "$n" full)
	if [ "$s" = sluice ]; then
		fc=$(gen_state "$s" "$n" change-only)
		reset_hwm "$(agent_pid node1)"
	else
		fc=$(gen_state "$s" "$n" changed)
	fi
	timed_load "$s" "$n" "$f" scratch '*' || true
	case $LOAD_STATUS in timeout | failed) SKIP_REST=1 ;; esac
	if [ "$s" = sluice ]; then
		p=$(agent_pid node1)
		jrec kind agent node node1 phase scale system "$s" n "$n" rss_kb "$(vm_kb "$p" VmRSS)" hwm_kb "$(vm_kb "$p" VmHWM)"
	fi
	if [ "${SKIP_REST:-0}" = 1 ]; then
		jrec kind prog system "$s" n "$n" op change status skipped error "scratch load did not complete"
	elif awk -v a="$LOAD_S" -v b="$PROG_TIMEOUT" 'BEGIN { exit !(a > b / 3) }'; then
		# a full resync costs at least as much as the scratch load: over the time budget
		jrec kind prog system "$s" n "$n" op change status skipped \
			error "scratch load took $LOAD_S s (> 1/3 of the ${PROG_TIMEOUT} s limit): full resync not attempted"
		log "programming $s N=$n change: skipped (scratch took $LOAD_S s)"
		SKIP_LARGER=1
	else
		timed_load "$s" "$n" "$fc" change "$PROBE_NEW" || true
	fi
	if [ "${SKIP_REST:-0}" != 1 ]; then
		PRESET_TARGET=${TARGET_VIP[$s]}
		for rep in $(seq "$REPS"); do
			measure http_close "$s" "$rep" scale_n "$n"
		done
		PRESET_TARGET=""
	fi
	t0=$(now_ns)
	unload "$s" node2 "$f" &
	p=$!
	unload "$s" node1 "$f" || true
	t1=$(now_ns)
	wait "$p" || true
	jrec kind prog system "$s" n "$n" op remove status ok load_s "$(s_between "$t0" "$t1")"
}

scale_sweep() {
	local s n
	for s in $SCALE_SYSTEMS; do
		[[ " $VARIANTS " == *" $s "* ]] || continue
		SKIP_REST=0 SKIP_LARGER=0
		for n in 0 $SCALE_NS; do
			if [ "$SKIP_REST" = 1 ] || [ "$SKIP_LARGER" = 1 ]; then
				jrec kind prog system "$s" n "$n" op scratch status skipped error "a smaller N already exceeded the time budget"
				log "programming $s N=$n: skipped (a smaller N exceeded the budget)"
				continue
			fi
			scale_one "$s" "$n"
		done
	done
}
