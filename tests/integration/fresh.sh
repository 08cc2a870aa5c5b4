#!/bin/bash
# tests/fresh-root.sh itself: a command's exit status comes back, a failed run's test
# output is kept, and a failed or interrupted run leaves no root, no mount and no process
# behind (CI runs every test inside one of these roots: a leak here would pile up on
# every CI machine).
. "$(dirname "$0")/lib.sh"

# roots of ours and what is mounted under them
roots() { ls -d "${TMPDIR:-/tmp}"/hpt-fresh.?????? 2>/dev/null; }
mounts_of() { awk -v r="$1" 'index($2, r) == 1' /proc/mounts; }
procs_in() { find /proc -mindepth 2 -maxdepth 2 -name root -lname "$1" 2>/dev/null; }
before=$(roots)

# the root of a killed run (its lock not held) is removed by the next run; a live one
# (its lock held) is left
stale=$(mktemp -d "${TMPDIR:-/tmp}/hpt-fresh.XXXXXX") live=$(mktemp -d "${TMPDIR:-/tmp}/hpt-fresh.XXXXXX")
: >"$stale.lock"
: >"$stale/left-by-a-killed-run"
flock "$live.lock" sleep 600 &
lpid=$!
for _ in $(seq 100); do ! flock -n "$live.lock" true 2>/dev/null && break; sleep 0.05; done

# a command that fails: its status comes back, the root goes, its test output is kept
# (files under 8 MiB: a log, not an image)
tests/fresh-root.sh sh -c 'test -d /src/host && test ! -e /usr/bin/qemu-system-x86_64 &&
	mkdir -p /tmp/hpt-it.x/run && echo seen >/tmp/hpt-it.x/run/console.log &&
	head -c 9M /dev/zero >/tmp/hpt-it.x/run/saved.img && exit 7' >"$out/fresh-fail.out" 2>&1
rc=$?
kept=$(sed -n 's/^fresh-root: the root.s run dirs and test output .* kept in //p' "$out/fresh-fail.out")
check "fresh-root: a failed run's test output is kept (${kept:-nowhere}), its images not" \
	eval "[ -n '$kept' ] && [ \"\$(cat '$kept/tmp/hpt-it.x/run/console.log')\" = seen ] &&
	      [ ! -e '$kept/tmp/hpt-it.x/run/saved.img' ]"
[ -z "$kept" ] || rm -rf "$kept"
check "fresh-root: the command ran in a bare root, its exit status came back (7, got $rc)" \
	test "$rc" -eq 7 || diag "what fresh-root.sh said:" "$(tail -n 30 "$out/fresh-fail.out")"
check "fresh-root: the root is gone after a failure" \
	test "$(roots | grep -vxF "$live")" = "$before"
check "fresh-root: a killed run's root was removed first, and said" \
	eval "[ ! -e '$stale' ] && [ ! -e '$stale.lock' ] &&
	      grep -q 'removing $stale, the root of a killed run' '$out/fresh-fail.out'"
check "fresh-root: a live run's root was left" test -d "$live" -a -e "$live.lock"
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
rm -rf "$live" "$live.lock"

# interrupted while a process runs inside: exit 130, nothing left (job control on, so
# that the background job does not ignore SIGINT, as a non-interactive shell's would)
set -m
tests/fresh-root.sh sh -c 'echo inside; sleep 600' >"$out/fresh-int.out" 2>&1 &
pid=$!
set +m
for _ in $(seq 1200); do
	grep -q '^inside$' "$out/fresh-int.out" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
root=$(sed -n 's/^fresh-root: building a minimal bookworm root in //p' "$out/fresh-int.out")
check "fresh-root: the command was running in ${root:-?}" grep -q '^inside$' "$out/fresh-int.out" ||
	diag "what fresh-root.sh said:" "$(tail -n 30 "$out/fresh-int.out")"
check "fresh-root: its mounts are in a private namespace (none visible here)" \
	test -z "$(mounts_of "${root:-/nonexistent}")"
kill -INT "$pid"
# a deadline, not the 600 s of the sleep: an ignored SIGINT is a failure, not a hang
for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
wait "$pid"
rc=$?
check "fresh-root: SIGINT ends it with 130 (got $rc)" test "$rc" -eq 130
check "fresh-root: no process left in the root" test -z "$(procs_in "${root:-/nonexistent}")"
check "fresh-root: no mount left" test -z "$(mounts_of "${root:-/nonexistent}")"
check "fresh-root: the root is gone after an interrupt" test ! -e "${root:-/nonexistent}"

done_testing
