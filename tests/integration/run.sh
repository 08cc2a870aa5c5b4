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
scripts=${*:-kernels stack image faults restore oracles fresh virtio-mem dimm nvdimm busy matrix report clock cli modneeds signals selftest input}
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
	case $rc in
	0) ;;
	124 | 137) why="timed out after ${limit_of[$s]} s" ;;
	*) why="exit $rc" ;;
	esac
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
# Deadlines: a script that hangs is ended and named, and the run ends with its summary
# before a CI's own limit kills it (a killed run.sh prints nothing of what it saw). Each
# script gets HPT_IT_SCRIPT_TIMEOUT seconds (default 2700: the longest, kernels and
# stack, take 15-18 min cold here, 29 min on a machine loaded by more), none more than
# what is left of HPT_IT_TIMEOUT for the whole run (default 4200); both times
# HPT_TIMEOUT_SCALE. When the time is up, what has not started is named and fails.
scale=${HPT_TIMEOUT_SCALE:-1}
case $scale in ''|*[!0-9]*|0) scale=1 ;; esac
for v in HPT_IT_SCRIPT_TIMEOUT HPT_IT_TIMEOUT; do
	[ -z "${!v+set}" ] || case ${!v} in ''|*[!0-9]*|0)
		echo "run.sh: $v=${!v} is not a number of seconds" >&2; exit 2 ;; esac
done
script_to=$((${HPT_IT_SCRIPT_TIMEOUT:-2700} * scale))
deadline=$((SECONDS + ${HPT_IT_TIMEOUT:-4200} * scale))
declare -A limit_of=()
# the free space where the output goes, at each script's start: a full disk fails
# scripts in strange ways (files missing that were just written), so the summary says it
free_mib() { df -Pm "$top_out" 2>/dev/null | awk 'NR == 2 { print $4 }'; }
free_min=$(free_mib) free_min_at=start free_start=$free_min

# what still runs in process group PG (a script that timed out), for the log
group_ps() {
	command -v ps >/dev/null || return 0
	ps -eo pgid=,pid=,etimes=,args= 2>/dev/null | awk -v g="$1" '$1 == g { $1 = ""; print }' |
		cut -c2-200 | sed 's/^/#   still running: /'
}
# a script ended: the rest of its process group (runs it started and left) gets SIGTERM
# (hotplug-test ends its guests on it), then SIGKILL after 20 s
end_group() {
	local pg=$1 i
	kill -TERM -- "-$pg" 2>/dev/null || return 0
	for i in $(seq 200); do kill -0 -- "-$pg" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL -- "-$pg" 2>/dev/null
}
# the script ended with RC: print its TAP (unless streamed) and tally it
finish() {	# SCRIPT RC PGID
	local s=$1 rc=$2
	times+=("$s $((SECONDS - t0_of[$s]))s")
	if [ "$jobs" -gt 1 ]; then
		echo "# ---- $s.sh ($((SECONDS - t0_of[$s])) s, beside:${beside[$s]:- nothing})"
		cat "$top_out/$s.tap"
		[ ! -s "$top_out/$s.err" ] || sed 's/^/# stderr: /' "$top_out/$s.err"
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "# $s.sh did not end within its ${limit_of[$s]} s (HPT_IT_SCRIPT_TIMEOUT," \
			"HPT_IT_TIMEOUT): ended; what it had started:"
		group_ps "$3"
		timed_out+=("$s")
	fi
	end_group "$3"
	tally "$s" "$rc"
}

# Each script in a process group of its own (job control on), under timeout(1): a SIGINT
# or SIGTERM to us goes on to every script's group, whose hotplug-test runs end their
# guests themselves; we wait for them, then exit 130/143. One at a time, a script's TAP
# streams; side by side, each is printed whole when it ends, with what ran beside it.
stop() {
	local p
	for p in "${pid_of[@]}"; do kill "-$1" -- "-$p" 2>/dev/null; done
	wait
	echo "integration: stopped by SIG$1; output kept in $top_out" >&2
	exit "$2"
}
trap 'stop INT 130' INT
trap 'stop TERM 143' TERM HUP
timed_out=()
set -m
while [ ${#queue[@]} -gt 0 ] || [ ${#pid_of[@]} -gt 0 ]; do
	while [ ${#queue[@]} -gt 0 ] && [ ${#pid_of[@]} -lt "$jobs" ]; do
		lim=$((deadline - SECONDS))
		[ "$lim" -le "$script_to" ] || lim=$script_to
		if [ "$lim" -le 0 ]; then
			for s in "${queue[@]}"; do
				echo "# ---- $s.sh not started: the run's ${HPT_IT_TIMEOUT:-4200} s were up"
				failed+=("$s (not started: time up)")
				fail=$((fail + 1))
			done
			queue=()
			break
		fi
		pick
		[ -n "$s" ] || break	# all that is left waits for a running one
		[ "$jobs" -gt 1 ] || echo "# ---- $s.sh"
		for o in "${!pid_of[@]}"; do
			beside[$s]+=" $o" beside[$o]+=" $s"
		done
		limit_of[$s]=$lim
		f=$(free_mib)
		if [ -n "$f" ] && [ -n "$free_min" ] && [ "$f" -lt "$free_min" ]; then
			free_min=$f free_min_at="$s's start"
		fi
		# --foreground: timeout stays in the job's group (a signal to it reaches all);
		# what the script started is ended with the group when it ends (end_group)
		if [ "$jobs" -gt 1 ]; then
			HPT_IT_OUT=$top_out/$s timeout --foreground -k 20 "$lim" \
				bash "$here/$s.sh" </dev/null >"$top_out/$s.tap" 2>"$top_out/$s.err" &
		else
			# streamed by tail, not a pipe: a process the script left holding its
			# stdout would keep a pipe's reader, and us, waiting
			(
				set +m
				HPT_IT_OUT=$top_out/$s timeout --foreground -k 20 "$lim" \
					bash "$here/$s.sh" </dev/null >"$top_out/$s.tap" &
				t=$!
				tail -n +1 -s 0.2 -f --pid="$t" "$top_out/$s.tap" &
				wait "$t"
				rc=$?
				wait
				exit "$rc"
			) &
		fi
		pid_of[$s]=$! t0_of[$s]=$SECONDS
	done
	[ ${#pid_of[@]} -gt 0 ] || {
		[ ${#queue[@]} -eq 0 ] && break
		echo "run.sh: ${queue[*]} wait for each other (after=)" >&2; exit 2
	}
	ended=
	wait -n -p ended
	rc=$?
	# no child left that bash knows of, yet some not reported: never spin
	[ -n "$ended" ] || { echo "run.sh: lost track of ${!pid_of[*]}" >&2; stop TERM 2; }
	for s in "${!pid_of[@]}"; do
		[ "${pid_of[$s]}" = "$ended" ] || continue
		unset "pid_of[$s]"
		finish "$s" "$rc" "$ended"
	done
done
set +m
trap - INT TERM HUP

echo "integration: $pass passed, $fail failed, $skip skipped in $(wc -w <<<"$scripts") scripts" \
	"($((SECONDS - t_all)) s, $jobs at a time)"
echo "integration: seconds per script: ${times[*]}"
f=$(free_mib)
[ -z "$f" ] || [ -z "$free_min" ] || [ "$f" -ge "$free_min" ] || free_min=$f free_min_at=end
echo "integration: free disk space in ${top_out%/*}: ${free_start:-?} MiB at the start," \
	"${free_min:-?} MiB at the lowest ($free_min_at)"
if [ ${#failed[@]} -gt 0 ]; then
	printf 'failing: %s\n' "${failed[@]}"
	[ ${#timed_out[@]} -eq 0 ] || echo "timed out: ${timed_out[*]}"
	echo "integration output kept in $top_out"
	exit 1
fi
[ -n "${HPT_IT_OUT:-}" ] || rm -rf "$top_out"
