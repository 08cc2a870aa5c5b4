#!/bin/bash
# make integration: runs the integration scripts (each standalone TAP, see lib.sh) one
# after the other and sums up their TAP. A script passes when it exits 0, printed a plan
# that matches its tests, and no `not ok`. Exit 1 when any did not.
#   tests/integration/run.sh [SCRIPT…]   (default: the list below; names without .sh)
set -u
here=$(cd "$(dirname "$0")" && pwd)
scripts=${*:-selftest dimm cli input signals matrix report virtio-mem nvdimm faults busy oracles clock kernels stack modneeds fresh}
top_out=${HPT_IT_OUT:-$(mktemp -d /tmp/hpt-it.XXXXXX)}
pass=0 fail=0 skip=0
failed=() times=()

for s in $scripts; do
	tap=$top_out/$s.tap
	echo "# ---- $s.sh"
	t0=$SECONDS
	HPT_IT_OUT=$top_out/$s bash "$here/$s.sh" </dev/null | tee "$tap"
	rc=${PIPESTATUS[0]}
	times+=("$s $((SECONDS - t0))s")
	read -r p f k plan < <(awk '
		/^ok [0-9]+ /  { if ($0 ~ / # SKIP/) k++; else p++ }
		/^not ok [0-9]+ / { f++ }
		/^1\.\.[0-9]+/ { split($1, a, "\\.\\."); plan = a[2] }
		END { print p + 0, f + 0, k + 0, (plan == "" ? "-" : plan) }' "$tap")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
	why=
	[ "$rc" -eq 0 ] || why="exit $rc"
	[ "$f" -eq 0 ] || why="${why:+$why, }$f not ok"
	[ "$plan" != - ] || why="${why:+$why, }no plan"
	[ "$plan" = - ] || [ "$plan" -eq $((p + f + k)) ] ||
		why="${why:+$why, }plan 1..$plan but $((p + f + k)) tests"
	if [ -n "$why" ]; then
		failed+=("$s ($why)")
		[ "$f" -gt 0 ] || fail=$((fail + 1))
	fi
done

echo "integration: $pass passed, $fail failed, $skip skipped in $(wc -w <<<"$scripts") scripts"
echo "integration: seconds per script: ${times[*]}"
if [ ${#failed[@]} -gt 0 ]; then
	printf 'failing: %s\n' "${failed[@]}"
	echo "integration output kept in $top_out"
	exit 1
fi
[ -n "${HPT_IT_OUT:-}" ] || rm -rf "$top_out"
