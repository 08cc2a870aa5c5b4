#!/bin/bash
# A bare Debian bookworm machine, every time: builds a minimal root with mmdebstrap (no
# QEMU, no libvirt, no kmod, no libvirt-qemu user: what a new machine has), puts this
# tree's HEAD in it (git archive) and runs COMMAND there as root, entered the way a real
# machine looks to libvirt: a private mount namespace whose root is a mount point, with
# /proc, /sys, /dev and /dev/pts bound (a plain chroot makes libvirt fail to set up its
# QEMU mount namespace). Every mount vanishes with the namespace; the root is removed on
# exit, failure or interrupt, and no process of it survives (after a failure its run dirs
# and test output are kept in runs/fresh-root.STAMP first); the roots that killed runs
# left (SIGKILL: no cleanup) are removed at the start.
#   tests/fresh-root.sh [--keep] [--tree DIR] [COMMAND…]
# COMMAND runs in the tree's copy (/src), default: the README's quick start, then
# `make check`. --keep leaves the root for a look (its path is printed); --tree puts DIR's
# working tree there instead of HEAD (uncommitted changes included, untracked and
# ignored files not); a tree that is not a git clone is copied without build/, .cache/
# and runs/. Apt's sources and configuration are this machine's own.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
keep=0 tree=
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1; shift ;;
	--tree) tree=$2; shift 2 ;;
	-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "fresh-root: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- sh -c './hotplug-test run scenarios/dimm-memmap-on-memory.scn && make check'
[ "$(id -u)" -eq 0 ] || { echo "fresh-root: needs root (mmdebstrap, mounts, chroot)" >&2; exit 2; }

say() { printf 'fresh-root: %s\n' "$*" >&2; }
if ! command -v mmdebstrap >/dev/null; then
	EXTRA_PKGS=mmdebstrap "$top/host/install-deps.sh" extra || { say "cannot install mmdebstrap"; exit 2; }
fi

# every process whose root is ROOT (QEMU, libvirt's helpers, make…): none may outlive us
kill_inside() {	# [ROOT]
	local r=${1:-$root} pids
	for _ in 1 2 3; do
		# (find fails on the processes that end while it reads /proc)
		pids=$(find /proc -mindepth 2 -maxdepth 2 -name root -lname "$r" 2>/dev/null |
			cut -d/ -f3) || true
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		sleep 0.2
	done
}

# A root is live while the flock on ROOT.lock is held: by its fresh-root.sh and whatever
# it started (they inherit the lock). Roots of killed runs (SIGKILL: no cleanup ran, as
# when a session ends with a CI run of its own going) are removed first, or a few of them
# fill the disk (~19 GB each) under the next run. One without a lock file (from before
# the locks) counts as dead once an hour old with no process inside.
tmpd=${TMPDIR:-/tmp}
for d in "$tmpd"/hpt-fresh.??????; do
	[ -d "$d" ] || continue
	if [ -e "$d.lock" ]; then
		flock -n "$d.lock" true || continue
	else
		[ -z "$(find "$d" -maxdepth 0 -mmin -60)" ] || continue
		[ -z "$(find /proc -mindepth 2 -maxdepth 2 -name root -lname "$d" 2>/dev/null)" ] ||
			continue
	fi
	kill_inside "$d"
	say "removing $d, the root of a killed run ($(du -sxh "$d" 2>/dev/null | cut -f1))"
	rm -rf --one-file-system "$d"
	rm -f "$d.lock" "$d.log"
done

root=$(mktemp -d "$tmpd/hpt-fresh.XXXXXX")
exec 9>"$root.lock"
flock -n 9 || { say "cannot lock $root.lock"; rmdir "$root"; exit 2; }
inside=
# A failure's evidence outlives the root: the run dirs and test output inside it (the
# quick start's runs/, the integration tests' /tmp/hpt-it.*: logs, consoles, results;
# files under 8 MiB, so no saved guest or disk image) go to runs/fresh-root.STAMP here.
keep_evidence() {
	local dst n d srcs=()
	for d in "$root"/src/runs "$root"/tmp/hpt-it.*; do
		[ -d "$d" ] && srcs+=("${d#"$root"/}")
	done
	[ ${#srcs[@]} -gt 0 ] || return 0
	dst=$top/runs/fresh-root.$(date +%Y%m%d-%H%M%S)
	mkdir -p "$dst" && (cd "$root" && find "${srcs[@]}" -type f -size -8M -print0 |
		tar --null -T - -cf -) | tar -C "$dst" -xf - || return 0
	n=$(find "$dst" -type f | wc -l)
	[ "$n" -gt 0 ] || { rmdir -p "$dst" 2>/dev/null; return 0; }
	say "the root's run dirs and test output ($n files, $(du -sh "$dst" | cut -f1)) kept in $dst"
}
cleanup() {
	local rc=$?
	set +e	# everything below must run, whatever fails
	trap - EXIT INT TERM HUP
	kill_inside
	[ -z "$inside" ] || { kill -KILL "$inside" 2>/dev/null; wait "$inside" 2>/dev/null; }
	# a full disk fails everything inside in strange ways: say how much the root took
	[ ! -d "$root/src" ] ||
		say "exit $rc after $((SECONDS - t0)) s; the root holds $(du -sxh "$root" 2>/dev/null |
			cut -f1), free in ${root%/*}: $(df -Ph "${root%/*}" | awk 'NR == 2 { print $4 }')"
	if [ "$keep" = 1 ]; then
		say "root kept in $root"
	else
		[ "$rc" -eq 0 ] || keep_evidence
		rm -rf --one-file-system "$root"
	fi
	rm -f "$root.log" "$root.lock"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

sources=
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
	[ -s "$f" ] && grep -Eq '^(deb|Types:)' "$f" && sources="$sources $f"
done
t0=$SECONDS
say "building a minimal bookworm root in $root"
say "free in ${root%/*}: $(df -Ph "${root%/*}" | awk 'NR == 2 { print $4 }') (the quick start and" \
	"make check fill the root with ~19 GB: packages, kernels, caches, saved guests)"
# Once more after a failure: a mirror caught mid-sync (a Release that does not match its
# Packages yet) fails the first try only. What failed is said either way, with the free
# space where the root goes (a full disk fails the same way).
for try in 1 2; do
	# shellcheck disable=SC2086
	mmdebstrap --quiet --variant=minbase bookworm "$root" $sources >"$root.log" 2>&1 && break
	tail -n 20 "$root.log" | sed 's/^/  /' >&2
	say "mmdebstrap failed (try $try of 2, after $((SECONDS - t0)) s; free in ${root%/*}:" \
		"$(df -Ph "${root%/*}" | awk 'NR == 2 { print $4 }'))"
	[ "$try" = 2 ] && { rm -f "$root.log"; exit 2; }
	find "$root" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
done
rm -f "$root.log"
# the machine's own apt configuration too (a proxy; a snapshot mirror's expired Release
# files accepted: Acquire::Check-Valid-Until): a new machine of this kind has it
for f in /etc/apt/apt.conf.d/*; do
	[ -f "$f" ] && [ ! -e "$root/etc/apt/apt.conf.d/${f##*/}" ] && cp "$f" "$root/etc/apt/apt.conf.d/"
done
mkdir -p "$root/src"
if [ -n "$tree" ]; then
	(cd "$tree" && git ls-files -z | tar --null -T - -cf -) | tar -C "$root/src" -xf -
elif git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" archive HEAD | tar -C "$root/src" -xf -
else	# a tree that is no clone (CI's own root, where tests/integration/fresh.sh runs us)
	tar -C "$top" --exclude=./build --exclude=./.cache --exclude=./runs -cf - . |
		tar -C "$root/src" -xf -
fi
say "root ready in $((SECONDS - t0)) s; running: $*"

export root
# a private mount namespace: its mounts are gone when the last process in it exits. In
# the background, so that a signal to us is handled at once (bash runs traps only between
# commands, and `wait` is one), not when the command inside ends. With job control on:
# a non-interactive shell starts its background jobs with SIGINT ignored, and an ignored
# signal cannot be trapped again by anything inside (a fresh-root.sh nested in ours).
set -m
unshare -m --propagation private -- /bin/sh -ec '
	mount --bind "$root" "$root"
	for d in proc sys dev dev/pts; do mount --bind "/$d" "$root/$d"; done
	cd "$root"
	exec chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 HPT_TIMEOUT_SCALE="${HPT_TIMEOUT_SCALE:-}" \
		/bin/sh -c "cd /src && exec \"\$@\"" sh "$@"
' sh "$@" &
inside=$!
set +m
wait "$inside"
