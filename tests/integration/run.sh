#!/bin/bash
# make integration: runs the integration scripts (each standalone TAP, see lib.sh) and
# sums up their TAP. A script passes when it exits 0, printed a plan that matches its
# tests, and no `not ok`. Exit 1 when any did not.
#   tests/integration/run.sh [SCRIPT…]   (default: the list below; names without .sh)
# HPT_IT_JOBS=N runs N scripts side by side (default 2 on a machine of 2 or more CPUs,
# else 1): most scripts run one TCG guest at a time and leave a CPU idle. Side by side,
# each script's TAP is printed whole when it ends, and what ran beside it is named; with
# one at a time it streams. Scripts start in list order (the longest first, so that the
# last to end is a short one), a script named in `after` only once the scripts it reuses
# have ended. Every script's runs are its own (run dirs, libvirt roots, QEMU processes
# named after them): none looks at another's while it runs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
scripts=${*:-kernels stack image faults oracles fresh virtio-mem dimm nvdimm busy matrix report clock cli modneeds signals selftest input}
top_out=${HPT_IT_OUT:-$(mktemp -d /tmp/hpt-it.XXXXXX)}
mkdir -p "$top_out" || exit 2
jobs=${HPT_IT_JOBS:-$(n=$(nproc 2>/dev/null || echo 1); [ "$n" -ge 2 ] && echo 2 || echo 1)}
case $jobs in ''|*[!0-9]*|0) echo "run.sh: HPT_IT_JOBS=$jobs is not a number of scripts (1, 2, …)" >&2; exit 2 ;; esac
# SCRIPT → the scripts whose output it reuses when they ran in the same run.sh
declare -A after=([report]="dimm matrix")
pass=0 fail=0 skip=0 t_all=$SECONDS
failed=() times=()
declare -A pid_of=() t0_of=() beside=()

# sum up one script's TAP and exit status
tally() {	# SCRIPT RC
	local s=$1 rc=$2 p f k plan why=
	read -r p f k plan < <(awk '
		/^ok [0-9]+ /  { if ($0 ~ / # SKIP/) k++; else p++ }
		/^not ok [0-9]+ / { f++ }
		/^1\.\.[0-9]+/ { split($1, a, "\\.\\."); plan = a[2] }
		END { print p + 0, f + 0, k + 0, (plan == "" ? "-" : plan) }' "$top_out/$s.tap")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
	[ "$rc" -eq 0 ] || why="exit $rc"
	[ "$f" -eq 0 ] || why="${why:+$why, }$f not ok"
	[ "$plan" != - ] || why="${why:+$why, }no plan"
	[ "$plan" = - ] || [ "$plan" -eq $((p + f + k)) ] ||
		why="${why:+$why, }plan 1..$plan but $((p + f + k)) tests"
	if [ -n "$why" ]; then
		failed+=("$s ($why)")
		[ "$f" -gt 0 ] || fail=$((fail + 1))
	fi
}

# pick: s = the first queued script none of whose `after` is queued or running (taken
# off the queue), else empty
pick() {
	local i d ready
	s=
	for i in "${!queue[@]}"; do
		ready=1
		for d in ${after[${queue[$i]}]:-}; do
			case " ${queue[*]} ${!pid_of[*]} " in *" $d "*) ready=0 ;; esac
		done
		[ "$ready" = 1 ] && { s=${queue[$i]}; unset "queue[$i]"; break; }
	done
	queue=("${queue[@]}")
}

read -ra queue <<<"$scripts"
if [ "$jobs" -eq 1 ]; then
	while [ ${#queue[@]} -gt 0 ]; do
		pick
		[ -n "$s" ] || { echo "run.sh: ${queue[*]} wait for each other (after=)" >&2; exit 2; }
		echo "# ---- $s.sh"
		t0=$SECONDS
		HPT_IT_OUT=$top_out/$s bash "$here/$s.sh" </dev/null | tee "$top_out/$s.tap"
		rc=${PIPESTATUS[0]}
		times+=("$s $((SECONDS - t0))s")
		tally "$s" "$rc"
	done
else
	# Each script in a process group of its own (job control on): a SIGINT or SIGTERM to
	# us goes on to every script's group, whose hotplug-test runs end their guests
	# themselves; we wait for them, then exit 130/143.
	stop() {
		local p
		for p in "${pid_of[@]}"; do kill "-$1" -- "-$p" 2>/dev/null; done
		wait
		echo "integration: stopped by SIG$1; output kept in $top_out" >&2
		exit "$2"
	}
	trap 'stop INT 130' INT
	trap 'stop TERM 143' TERM HUP
	set -m
	while [ ${#queue[@]} -gt 0 ] || [ ${#pid_of[@]} -gt 0 ]; do
		while [ ${#queue[@]} -gt 0 ] && [ ${#pid_of[@]} -lt "$jobs" ]; do
			pick
			[ -n "$s" ] || break	# all that is left waits for a running one
			for o in "${!pid_of[@]}"; do
				beside[$s]+=" $o" beside[$o]+=" $s"
			done
			HPT_IT_OUT=$top_out/$s bash "$here/$s.sh" </dev/null >"$top_out/$s.tap" \
				2>"$top_out/$s.err" &
			pid_of[$s]=$! t0_of[$s]=$SECONDS
		done
		ended=
		wait -n -p ended
		rc=$?
		# no child left that bash knows of, yet some not reported: never spin
		[ -n "$ended" ] || { echo "run.sh: lost track of ${!pid_of[*]}" >&2; stop TERM 2; }
		for s in "${!pid_of[@]}"; do
			[ "${pid_of[$s]}" = "$ended" ] || continue
			unset "pid_of[$s]"
			times+=("$s $((SECONDS - t0_of[$s]))s")
			echo "# ---- $s.sh ($((SECONDS - t0_of[$s])) s, beside:${beside[$s]:- nothing})"
			cat "$top_out/$s.tap"
			[ ! -s "$top_out/$s.err" ] || sed 's/^/# stderr: /' "$top_out/$s.err"
			tally "$s" "$rc"
		done
	done
	set +m
fi

echo "integration: $pass passed, $fail failed, $skip skipped in $(wc -w <<<"$scripts") scripts" \
	"($((SECONDS - t_all)) s, $jobs at a time)"
echo "integration: seconds per script: ${times[*]}"
if [ ${#failed[@]} -gt 0 ]; then
	printf 'failing: %s\n' "${failed[@]}"
	echo "integration output kept in $top_out"
	exit 1
fi
[ -n "${HPT_IT_OUT:-}" ] || rm -rf "$top_out"
