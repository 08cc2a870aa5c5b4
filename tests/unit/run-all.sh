#!/bin/sh
# Runs every unit test binary given, prints a summary, fails if any failed.
pass=0; fail=0; bad=""
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	pass=$((pass + p)); fail=$((fail + f))
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ] || [ "$p" -eq 0 ]; then
		printf '%s\n' "$out" | grep -v '^ok '
		bad="$bad ${t##*/}"
		[ "$f" -eq 0 ] && fail=$((fail + 1))
	fi
done
echo "unit: $pass passed, $fail failed"
[ -z "$bad" ] || { echo "failing:$bad"; exit 1; }
