#!/bin/bash
# The kernel supply (kernels/debian-kernel.sh, probe-build.sh, guest.sh) against Debian's
# real archive: what `debian:SUITE` / `debian:VERSION` resolve to and unpack into (6.1's
# boot/ + lib/modules layout, 7.x's linux-binary/-modules/-base split), the errors for
# what does not exist, the fallback when the pool does not serve a listed kernel, and a
# guest of the newest kernel (sid) whose placement the probe built for it proves; then the
# kernel as a matrix axis: every shipped scenario on x86_64 on bookworm, trixie and sid in
# one matrix (no FAIL and no ERROR on a correct kernel, placement proven wherever it is
# judged, no SKIP because the model does not know a kernel; table, junit.xml, results.json
# and index.html name each kernel, and every run's kernel_package is the package the
# matrix prepared), ppc64le and s390x placement on trixie and sid through `run`,
# and the typed errors of specs that cannot be had.
# Nothing here names a version: every expectation is derived from what was resolved.
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

# one call prepares a guest of the newest kernel (into the tree's build/, where run and
# matrix --kernel debian:sid find it below); its probe proves the placement there
set -- $(kernels/guest.sh x86_64 debian:sid "$top/build" 2>"$out/g.err")
check "guest.sh: prints the image and the initramfs" \
	test -n "${2:-}" -a -s "${1:-/nonexistent}" -a -s "${2:-/nonexistent}" ||
	diag "$(tail -n 20 "$out/g.err")"
kroot=$(dirname "$(dirname "${1:-/nonexistent/k/x}")")
check "guest.sh: the probe was built for that kernel" \
	test -s "$kroot/kernel/version" -a \
	"$(modinfo -F vermagic "$kroot/probe/hpt_probe.ko" | cut -d' ' -f1)" = "$(cat "$kroot/kernel/version")"
check "guest.sh: a second call is quiet and gives the same" \
	test -n "${2:-}" -a "$(kernels/guest.sh x86_64 debian:sid "$top/build" 2>&1 | tr '\n' ' ')" = "${1:-} ${2:-} "
# ---- the kernel as a matrix axis (issue 11): --kernel debian:SUITE on matrix and run ----
# what a spec resolves to, as the image package "NAME VERSION" (never a version named here)
pkg_of() { local id; id=$($dk --resolve "$1" "$2" "$cache" 2>/dev/null) && echo "linux-image-${id%_*} ${id#*_}"; }
hpt_says "axis: a malformed spec is refused before anything, named" 2 \
	"--kernel debian:Sid: expected debian:SUITE or debian:VERSION" \
	matrix --arch x86_64 --kernel debian:Sid scenarios/dimm-memmap-off.scn
hpt_says "axis: --modules never pairs with a Debian kernel" 2 "no --kernel for x86_64" \
	matrix --arch x86_64 --kernel debian:sid --modules x86_64=/tmp scenarios/dimm-memmap-off.scn
hpt_says "axis: a version neither cached nor served is an ERROR saying so" 2 \
	'ERROR .*kernel debian:0\.0\.1-1 for x86_64: .*no amd64 kernel of version 0\.0\.1-1: not in the cache' \
	matrix --arch x86_64 --kernel debian:0.0.1-1 --out "$out/axis-nover" scenarios/dimm-memmap-off.scn
hpt_says "axis: a flavour the arch does not have is an ERROR saying so" 2 \
	'ERROR .*sid lists no linux-image-amd64-64k kernel' \
	matrix --arch x86_64 --kernel debian:sid-64k --out "$out/axis-noflav" scenarios/dimm-memmap-off.scn

ax=$out/axis
suites="bookworm trixie sid"
hpt matrix -j 2 --arch x86_64 --kernel debian:bookworm --kernel debian:trixie \
	--kernel debian:sid --out "$ax" scenarios/*.scn >"$ax.out" 2>"$ax.err"
rc=$?
jobs=$(($(ls scenarios/*.scn | wc -l) * 3))
check "axis: $jobs jobs (every shipped scenario x 3 kernels on x86_64), exit 0, got $rc" \
	test "$rc" -eq 0 -a "$(grep -cE '^(PASS|FAIL|ERROR|SKIP) +[^ ]+\.x86_64\.[a-z]+ in ' "$ax.out")" -eq "$jobs" ||
	diag "$(grep -E '^(FAIL|ERROR) ' "$ax.out")" "$(tail -n 30 "$ax.err")"
check "axis: no FAIL and no ERROR on any generation" \
	eval "! grep -qE '^(FAIL|ERROR) ' '$ax.out'"
check "axis: every placement judged was proven by the probe" \
	eval "! grep -lE '\"method\": ?\"(inferred|none)\"' '$ax'/*/results.json"
check "axis: no SKIP says the model does not know the kernel" \
	eval "! grep -E '^SKIP .*(newer than the model|not modelled)' '$ax.out'"
k=0
for suite in $suites; do
	want=$(pkg_of x86_64 "debian:$suite")
	check "axis $suite: resolves ($want)" test -n "$want"
	kdir=$(dirname "$("$jget" "$ax/results.json" "/matrix/kernels/$k/image")")
	k=$((k + 1))
	check "axis $suite: the matrix prepared that package" \
		test "$(head -n 1 "$kdir/package" 2>/dev/null)" = "$want"
	# (a job the scenario's arches or needs leave unbooted records null)
	check "axis $suite: every run that booted records that package" \
		test "$(for d in "$ax"/*.x86_64."$suite"; do "$jget" "$d/results.json" /kernel_package; done |
			grep -vx null | sort -u)" = "$want"
	for scn in virtio-mem-grow-shrink dimm-memmap-on-memory offline-under-zswap; do
		result "axis/$scn.x86_64.$suite" /verdict "=PASS" /kernel_spec "=debian:$suite" \
			/kernel_package "=$want" /kernel "=$(cat "$kdir/version" 2>/dev/null)"
		check "axis $suite $scn: junit.xml names the kernel" \
			grep -q "<testcase name=\"$scn \[debian:$suite\]\"" "$ax/junit.xml"
	done
	check "axis $suite: placement proven by the probe" \
		test "$(grep -lE '"method": ?"proven"' "$ax"/*.x86_64."$suite"/results.json 2>/dev/null | wc -l)" -ge 4
	check "axis $suite: junit.xml has its suite with the package" \
		eval "grep -A6 '<testsuite name=\"x86_64 debian:$suite\"' '$ax/junit.xml' | grep -q 'name=\"kernel_package\" value=\"$want\"'"
	check "axis $suite: the table has its column and says what it booted" \
		eval "grep -q '^scenario .*x86_64 $suite' '$ax.out' && grep -qx 'x86_64 $suite: debian:$suite = $want' '$ax.out'"
	check "axis $suite: index.html shows the package" grep -qF "$want" "$ax/index.html"
done
check "newest kernel: the probe proves the 128 MiB DIMM's memmap on the DIMM" \
	grep -Eq '"method":"proven","probe":\{"placement":"on-block","memmap_pages":512,"backed_inside":512' \
	"$ax/dimm-memmap-on-memory.x86_64.sid/results.json"
# a 1 GiB DIMM: 8 blocks; from 6.8 each hosts its own memmap, 6.1 keeps it elsewhere
result axis/dimm-multiblock-memmap-on-memory.x86_64.sid /verdict "=PASS"
evidence axis/dimm-multiblock-memmap-on-memory.x86_64.sid "placement d0" /method proven \
	/probe/placement =on-block /probe/memmap_pages =4096
result axis/dimm-multiblock-memmap-on-memory.x86_64.trixie /verdict "=PASS"
evidence axis/dimm-multiblock-memmap-on-memory.x86_64.bookworm "placement d0" /method proven \
	/probe/placement =elsewhere
# the matrix asked once per kernel for both initramfs (its NVDIMM jobs need the tools)
set -- $(kernels/guest.sh x86_64 debian:sid both "$top/build" 2>"$out/gb.err")
check "guest.sh both: the image, the initramfs and the one with the tools, quiet" \
	test "${1:-} ${2:-}" = "$(kernels/guest.sh x86_64 debian:sid "$top/build" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')" -a \
	"${3:-}" = "$(kernels/guest.sh x86_64 debian:sid tools "$top/build" 2>/dev/null | tail -n 1)" -a \
	-s "${3:-/nonexistent}" -a ! -s "$out/gb.err" || diag "$(cat "$out/gb.err")"
check "guest.sh both: the matrix's NVDIMM jobs booted that initramfs" \
	grep -qF "${3:-/nonexistent}" "$ax/nvdimm-dax-kmem.x86_64.sid/domain.xml"
check "axis: one run dir per job, none shared" \
	test "$(ls -d "$ax"/*.x86_64.* 2>/dev/null | wc -l)" -eq "$jobs"
check "axis: three different kernels booted" \
	test "$(for d in "$ax"/*.x86_64.*; do "$jget" "$d/results.json" /kernel_package; done | grep -vx null | sort -u | wc -l)" -eq 3

# ppc64le and s390x placement on 6.12 and 7.x (6.1 is make check's own matrix), through
# `run`
if need ppc64le "axis: ppc64le on debian:trixie and debian:sid"; then
	for suite in trixie sid; do
		scenario ppc-$suite 0 scenarios/dimm-memmap-on-memory.scn --arch ppc64le --kernel debian:$suite
		result ppc-$suite /kernel_spec "=debian:$suite" /kernel_package "=$(pkg_of ppc64le debian:$suite)"
		evidence ppc-$suite "placement d0" /method proven
	done
fi
if need s390x "axis: s390x on debian:trixie and debian:sid"; then
	for suite in trixie sid; do
		scenario s390-$suite 0 scenarios/logical-offline-online.scn --arch s390x --kernel debian:$suite
		result s390-$suite /kernel_spec "=debian:$suite" /kernel_package "=$(pkg_of s390x debian:$suite)"
		evidence s390-$suite "placement b" /method proven
	done
fi

# a kernel that onlines hot-added memory itself (7.x): a virtio-mem device's boot request
# is still onlined by the testbed, into ZONE_MOVABLE, and can be given back (the agent sets
# auto_online_blocks before it loads virtio_mem)
scenario bootreq-sid 0 tests/scenarios/virtio-mem-boot-requested.scn --kernel debian:sid
result bootreq-sid /verdict "=PASS" /kernel_spec "=debian:sid"

# (the machine is shared: only guests of this suite's runs, whose run dirs are under $out)
check "no QEMU process of ours left behind" eval "! pgrep -f '[q]emu-system-.*$out/' >/dev/null"

done_testing
