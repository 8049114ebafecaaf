# shellcheck shell=bash
# One measurement: set a variant up, read its path counters and the CPU clocks, run one
# test against its VIP, read them again, verify the variant's path was really used, note
# the mesh processes' peak RSS, tear the variant down, record one line in $RAW.

fn() { printf '%s' "${1//-/_}"; }

# counters_of VARIANT: "name=value" lines (the variant's own ones, plus Sluice's
# connect_translated for the variants that must not go through Sluice, i.e. all but
# sluice and sluice-*).
counters_of() {
	"v_$(fn "$1")_counters"
	[[ $1 == sluice || $1 == sluice-* ]] || echo "sluice_connect_translated=$(sluice_counter node1 connect_translated)"
}

# verify_counters VARIANT BEFORE AFTER: each of the variant's counters must have risen,
# except: sluice_connect_translated (other variants) and names starting with "same_"
# must not have moved; names starting with "must_" must be 1 after the run (a check that
# held, e.g. `describe service` shows the split). Prints the failure; returns 1 on failure.
verify_counters() {
	local v=$1 before=$2 after=$3 line k b a bad=""
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		k=${line%%=*}
		a=${line#*=}
		b=$(printf '%s\n' "$before" | awk -F= -v k="$k" '$1 == k { print $2 }')
		if [ "$k" = sluice_connect_translated ]; then
			[ "$a" = "$b" ] || bad+="$k rose ($b -> $a) although $v must not use Sluice; "
		elif [[ $k == same_* ]]; then
			[ "$a" = "$b" ] || bad+="${k#same_} moved ($b -> $a) although it must not for $v; "
		elif [[ $k == must_* ]]; then
			[ "$a" = 1 ] || bad+="${k#must_} did not hold after the run; "
		elif ! [ "${a:-0}" -gt "${b:-0}" ] 2>/dev/null; then
			bad+="$k did not rise ($b -> $a); "
		fi
	done <<<"$after"
	[ -z "$bad" ] && return 0
	printf '%s' "$bad"
	return 1
}

# mesh_usec VARIANT: µs of CPU of the variant's mesh processes outside pod cgroups, and
# of all of them: "node_usec all_usec".
mesh_usec() {
	local pid where _ node=0 all=0 u
	while read -r pid where _; do
		[ -n "$pid" ] || continue
		u=$(pid_usec "$pid")
		all=$((all + u))
		[ "$where" = node ] && node=$((node + u))
	done < <("v_$(fn "$1")_mesh_pids")
	echo "$node $all"
}

# mesh_hwm VARIANT: "name=kB ..." peak RSS of each mesh process.
mesh_hwm() {
	local pid _ name out=""
	while read -r pid _ name; do
		[ -n "$pid" ] || continue
		out+="${out:+ }$name=$(vm_kb "$pid" VmHWM)"
	done < <("v_$(fn "$1")_mesh_pids")
	printf '%s' "$out"
}

# measure TEST VARIANT REP [extra jrec KEY VALUE pairs]: one run, one record.
measure() {
	local t=$1 v=$2 rep=$3 status=ok err="" before after c0 s0 m0 m0all c1 s1 m1 m1all hwm="" scg
	shift 3
	R_VALUE="" R_OPS=0 R_UNIT="" R_OPS_UNIT="" R_BETTER="" R_ERR="" R_EXTRA=()
	TARGET=""
	# (errexit does not apply inside a condition: a broken setup is caught by the path check)
	if [ -n "${PRESET_TARGET:-}" ]; then
		TARGET=$PRESET_TARGET # the scale sweep installed the variant's state itself
	elif ! "v_$(fn "$v")_setup" >/dev/null 2>"$WORK/setup.err"; then
		status=failed
		err="setup failed: $(tail -3 "$WORK/setup.err")"
	fi
	if [ "$status" = ok ]; then
		before=$(counters_of "$v")
		scg=$(server_cg "$v")
		c0=$(cg_usec "$(client_cg)") s0=$(cg_usec "$scg")
		read -r m0 m0all < <(mesh_usec "$v")
		if "t_${t}_run" "$TARGET"; then
			c1=$(cg_usec "$(client_cg)") s1=$(cg_usec "$scg")
			read -r m1 m1all < <(mesh_usec "$v")
			after=$(counters_of "$v")
			if ! err=$(verify_counters "$v" "$before" "$after"); then
				status=unverified
				err="path check failed: $err"
			fi
			hwm=$(mesh_hwm "$v")
		else
			status=failed
			err=$R_ERR
		fi
	fi
	if [ -z "${PRESET_TARGET:-}" ]; then
		"v_$(fn "$v")_teardown" >/dev/null 2>&1 || log "teardown of $v failed"
	fi
	if [ "$status" = ok ]; then
		local cpu_s mesh_s
		cpu_s=$(awk -v a="$((c1 - c0 + s1 - s0 + m1 - m0))" 'BEGIN { printf "%.4f", a / 1e6 }')
		mesh_s=$(awk -v a="$((m1all - m0all))" 'BEGIN { printf "%.4f", a / 1e6 }')
		jrec kind run test "$t" variant "$v" rep "$rep" status ok value "$R_VALUE" unit "$R_UNIT" \
			better "$R_BETTER" ops "$R_OPS" ops_unit "$R_OPS_UNIT" \
			cpu_client_s "$(awk -v a=$((c1 - c0)) 'BEGIN { printf "%.4f", a / 1e6 }')" \
			cpu_server_s "$(awk -v a=$((s1 - s0)) 'BEGIN { printf "%.4f", a / 1e6 }')" \
			cpu_total_s "$cpu_s" cpu_mesh_s "$mesh_s" mesh_hwm_kb "$hwm" \
			counters_before "$(printf '%s' "$before" | tr '\n' ' ')" counters_after "$(printf '%s' "$after" | tr '\n' ' ')" \
			"${R_EXTRA[@]+"${R_EXTRA[@]}"}" "$@"
		log "$(printf '%-10s %-10s rep %s: %s %s  (path: %s)' "$t" "$v" "$rep" "$R_VALUE" "$R_UNIT" "$(printf '%s' "$after" | head -2 | tr '\n' ' ')")"
	else
		jrec kind run test "$t" variant "$v" rep "$rep" status "$status" error "$err" "$@"
		log "$(printf '%-10s %-10s rep %s: %s: %s' "$t" "$v" "$rep" "$status" "$err")"
	fi
}
