#!/bin/sh
# Builds the initramfs of the sanitizer check: asan-initramfs.sh BASE AGENT OUT
# BASE is the arch's normal initramfs (kernel modules, busybox); AGENT a dynamically
# linked hp-agent built with -fsanitize=address,undefined. A second newc archive is
# appended (the kernel unpacks both; later entries win) holding the agent, the shared
# libraries it needs at the paths ldd names, and /init: a busybox script that mounts
# /proc (the sanitizer runtime reads /proc/self/maps before main) and execs the agent,
# which so stays PID 1. A sanitizer report goes to the console and ends the agent:
# the host then sees the guest die with the report in console.log.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 BASE AGENT OUT" >&2; exit 2; }
base=$1 agent=$2 out=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpt-asan-initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
root=$tmp/root
mkdir -p "$root/sbin"
cp "$agent" "$root/sbin/hp-agent"
ldd "$agent" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox mkdir -p /proc
/bin/busybox mount -t proc proc /proc
export ASAN_OPTIONS=detect_leaks=0:print_legend=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exec /sbin/hp-agent
INIT
chmod 755 "$root/init" "$root/sbin/hp-agent"
cp "$base" "$out.tmp"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >>"$out.tmp"
mv "$out.tmp" "$out"
