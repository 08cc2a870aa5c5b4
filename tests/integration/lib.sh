# Helpers for the integration tests: counters, assertions, a fresh output dir.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=$top/build/hotplug-test
out=${HPT_IT_OUT:-$(mktemp -d /tmp/hpt-it.XXXXXX)}
pass=0 fail=0

ok()  { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

# check NAME COND-DESCRIPTION COMMAND…: runs the command, counts the outcome.
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

# has FILE ERE: the file has a line matching ERE.
has() { grep -Eq -- "$2" "$1"; }

# no QEMU of ours left, no embedded root of ours left.
no_leftovers() {
	! pgrep -f 'qemu-system-.*hpt-' >/dev/null && ! ls -d /tmp/hpt.?????? >/dev/null 2>&1
}

# scenario NAME FILE WANT_EXIT [ARGS…]: runs FILE (with run's ARGS) into $out/NAME
# (fresh), leaves NAME.ktap/.err; $suite (if set) prefixes the check's name.
scenario() {
	local name=$1 file=$2 want=$3 rc t0=$SECONDS
	shift 3
	rm -rf "${out:?}/$name"
	"$bin" run --out "$out/$name" "$@" "$file" >"$out/$name.ktap" 2>"$out/$name.err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "${suite:+$suite }$name: exit $rc ($((SECONDS - t0)) s)"
	else
		bad "${suite:+$suite }$name: exit $rc, want $want"
		sed 's/^/    /' "$out/$name.ktap" "$out/$name.err" | tail -40
	fi
}
json() { tr -d '\n' <"$out/$1/results.json" | grep -Eq -- "$2"; }	# JSON of run NAME matches ERE
ktap() { grep -Eq -- "$2" "$out/$1.ktap"; }				# KTAP of run NAME has a line

summary() {
	echo "integration: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] || { echo "integration output kept in $out"; exit 1; }
	rm -rf "$out"
}
