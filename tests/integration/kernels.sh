#!/bin/bash
# The kernel supply (kernels/debian-kernel.sh, probe-build.sh, guest.sh) against Debian's
# real archive: what `debian:SUITE` / `debian:VERSION` resolve to and unpack into (6.1's
# boot/ + lib/modules layout, 7.x's linux-binary/-modules/-base split), the errors for
# what does not exist, the fallback when the pool does not serve a listed kernel, and a
# guest of the newest kernel (sid) whose placement the probe built for it proves.
# Nothing here names a version: every expectation is derived from what was resolved.
# Prints "kernels: N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
mkdir -p "$out"
cd "$top"
cache=${HPT_CACHE:-$top/.cache}
dk=kernels/debian-kernel.sh

# layout ARCH SPEC: fetches SPEC into $out/k and checks the kernel directory
layout() {
	local arch=$1 spec=$2 id dir pkg ver rel
	id=$($dk --resolve "$arch" "$spec" "$cache" 2>"$out/k.err")
	check "$arch $spec: resolves to <uname -r>_<version> ($id)" \
		grep -Eq '^[0-9][^_ ]*_[0-9][^_ ]*$' <<<"$id"
	dir=$($dk "$arch" "$spec" "$cache" "$out/k" 2>>"$out/k.err")
	check "$arch $spec: unpacked into ARCH/k/ID/kernel" test "$dir" = "$out/k/$arch/k/$id/kernel"
	read -r pkg ver <"$dir/package"
	rel=$(cat "$dir/version")
	check "$arch $spec: package names linux-image-<uname -r> and its version" \
		test "$pkg $ver" = "linux-image-${id%_*} ${id#*_}" -a "$rel" = "${id%_*}"
	check "$arch $spec: image, config, modules.dep of that release" \
		test -s "$dir/vmlinuz" -a -s "$dir/config" -a -s "$dir/modules/modules.dep" \
		-a -s "$dir/modules/modules.builtin"
	check "$arch $spec: every .deb it came from is named" \
		test "$(sed -n '2,$p' "$dir/package" | wc -l)" -ge 1
	[ "$arch" != x86_64 ] || check "$arch $spec: the PVH vmlinux is an ELF" \
		test "$(head -c 4 "$dir/vmlinux" | od -An -c | tr -d ' ')" = '177ELF'
	check "$arch $spec: a second call resolves the same, quietly" \
		test "$($dk "$arch" "$spec" "$cache" "$out/k" 2>&1)" = "$dir"
}

layout x86_64 debian:bookworm
layout x86_64 debian:sid
check "sid's kernel is the 7.x split (linux-binary, -modules, -base)" \
	grep -q '^linux-binary-' "$out/k/x86_64/k/$($dk --resolve x86_64 debian:sid "$cache")/kernel/package"

# an exact version: the one just resolved, found again (from the cache)
id=$($dk --resolve x86_64 debian:bookworm "$cache" 2>/dev/null)
check "debian:VERSION finds that exact package" \
	test "$($dk --resolve x86_64 "debian:${id#*_}" "$cache" 2>/dev/null)" = "$id"

# errors: typed, named, nothing left behind
err() {	# err NAME EXIT-STATUS ERE ARGS…
	local name=$1 want=$2 ere=$3 rc
	shift 3
	"$dk" "$@" >/dev/null 2>"$out/err.txt"
	rc=$?
	check "$name: exit $want" test "$rc" -eq "$want"
	check "$name: says why" grep -Eq -- "$ere" "$out/err.txt"
}
err "a version nobody serves" 1 'no amd64 kernel of version 0\.0\.1-1: not in the cache .* and not in the archive' \
	--resolve x86_64 debian:0.0.1-1 "$cache"
err "a suite that does not exist" 1 "no package lists for no-such-suite \(amd64\)" \
	--resolve x86_64 debian:no-such-suite "$cache"
check "a suite that does not exist leaves no list dir" test ! -e "$cache/apt/no-such-suite-amd64"
err "a flavour the arch does not have" 1 'sid lists no linux-image-amd64-64k kernel' \
	--resolve x86_64 debian:sid-64k "$cache"
err "a spec that is not debian:" 1 "kernel spec 'sid': expected debian:SUITE or debian:VERSION" \
	--resolve x86_64 sid "$cache"

# the pool lacks the listed kernel: a private copy of bookworm's lists marks the
# metapackage's choice as not served (what a 404 records), and the newest other kernel
# of the series that downloads is taken, with a message saying so
fb=$out/fallback-cache
mkdir -p "$fb/apt" "$fb/kernels"
cp -a "$cache/apt/bookworm-amd64" "$fb/apt/"
ln -s "$cache/kernels/amd64" "$fb/kernels/amd64"
echo "linux-image-${id%_*} ${id#*_}" >"$fb/apt/bookworm-amd64/unserved"
fbid=$($dk --resolve x86_64 debian:bookworm "$fb" 2>"$out/fb.err")
series() { cut -d_ -f2 <<<"$1" | cut -d. -f1,2; }
check "fallback: another kernel of the same series ($fbid)" \
	test -n "$fbid" -a "$fbid" != "$id" -a "$(series "$fbid")" = "$(series "$id")"
check "fallback: said on stderr" grep -q "is listed in bookworm but the archive does not serve it.*using the newest that downloads: linux-image-${fbid%_*} ${fbid#*_}" "$out/fb.err"
rm -rf "$fb"

# one call prepares a guest of the newest kernel; its probe proves the placement
set -- $(kernels/guest.sh x86_64 debian:sid "$out/g" 2>"$out/g.err")
check "guest.sh: prints the image and the initramfs" test -s "${1:-/}" -a -s "${2:-/}"
kroot=$(dirname "$(dirname "${1:-/}")")
check "guest.sh: the probe was built for that kernel" \
	test "$(modinfo -F vermagic "$kroot/probe/hpt_probe.ko" | cut -d' ' -f1)" = "$(cat "$kroot/kernel/version")"
check "guest.sh: a second call is quiet and gives the same" \
	test "$(kernels/guest.sh x86_64 debian:sid "$out/g" 2>&1 | tr '\n' ' ')" = "$1 $2 "
"$bin" run --arch x86_64 --kernel "$1" --initrd "$2" --out "$out/sid-mom" \
	scenarios/dimm-memmap-on-memory.scn >"$out/sid-mom.ktap" 2>&1
check "newest kernel: the probe proves the 128 MiB DIMM's memmap on the DIMM" \
	grep -Eq '"method":"proven","probe":\{"placement":"on-block","memmap_pages":512,"backed_inside":512' "$out/sid-mom/results.json"
check "newest kernel: the run recorded which kernel it booted" \
	grep -q "\"kernel\":\"$(cat "$kroot/kernel/version")\"" "$out/sid-mom/results.json"
# (the machine is shared: only guests of this suite's kernels, which live under $out)
check "no QEMU process of ours left behind" eval "! pgrep -f '[q]emu-system-.*$out/' >/dev/null"

echo "kernels: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
