# The integration harness (like git's t/test-lib.sh, with kselftest's visible skips),
# sourced first by every script in tests/integration/. A script is standalone TAP
# (`bash tests/integration/busy.sh`): `ok N - name` or `not ok N - name` per assertion,
# `ok N - name # SKIP reason` for a group whose prerequisite is missing, diagnostics as
# `#` lines after a failure, and the plan `1..N` at the end. run.sh runs the list and
# sums up; `make integration` runs run.sh. doc/testing.md shows how to write one.
#
#	. "$(dirname "$0")/lib.sh"		# set -u, cwd = the top of the tree
#	scenario mom 0 scenarios/dimm-memmap-on-memory.scn	# run into $out/mom, want exit 0
#	verdict mom "placement d0" PASS		# by check name, from $out/mom/results.json
#	evidence mom "placement d0" /method proven /probe/backed_inside 512
#	check "mom: snapshots kept as files" test -s "$out/mom/snapshots/00-baseline/zoneinfo"
#	if need ppc64le "off ppc64le: proven elsewhere"; then	# or one visible SKIP
#		scenario off-ppc 0 scenarios/dimm-memmap-off.scn --arch ppc64le
#	fi
#	no_leftovers
#	done_testing
#
# Running things
#   scenario NAME WANT FILE[,FILE…] [ARGS…]  `hotplug-test run --out $out/NAME ARGS… FILE…`
#       (ARGS: options of `run`, e.g. --arch ppc64le; several files: one dir each under
#       NAME); one test: the exit code is WANT. Keeps NAME.ktap, NAME.err and NAME.rc
#       beside the run dir, sets $rc, prints their tail when the code is not WANT.
#   hpt ARGS…       hotplug-test ARGS in the foreground, its pid remembered (no_leftovers)
#   hpt_says NAME WANT ERE ARGS…  one test: `hotplug-test ARGS` exits WANT and prints a
#       line matching ERE (stdout or stderr): bad input, help output
#   hpt_bg ARGS…    hotplug-test ARGS in the background (redirect as for a command): its
#       pid in $bg_pid, remembered; bg_wait [SIG] sends it SIG (if given) and waits: its
#       exit code in $rc, the seconds that took in $waited
#   track PID       remembers a hotplug-test started otherwise
#   wait_for FILE ERE [PID [SECONDS]]  until FILE has a line matching ERE (0), PID exits
#       or the deadline passes (1): SECONDS (60) times HPT_TIMEOUT_SCALE
# Assertions: each is a test of its own (named after what it asserts), or, inside
# `check NAME …`, the condition of that test. On failure they say what they found.
#   check NAME CMD…            CMD succeeds
#   verdict RUN CHECK V [CHECK V]…  the check named CHECK in RUN's results.json has
#                              verdict V (PASS FAIL ERROR SKIP)
#   evidence RUN CHECK PTR VALUE [PTR VALUE]…  its evidence at each PTR (RFC 6901:
#                              /probe/backed_inside, /counters/zspages.0.Movable/after)
#   summary_has RUN CHECK ERE  its summary matches ERE
#   check_has RUN CHECK PTR VALUE…  the check object itself (/verdict, /summary, /line)
#   absent RUN CHECK           RUN's results.json is there and has no check named CHECK
#   some_check RUN PTR VALUE   some check of RUN has VALUE at PTR (when which one is timing)
#   result RUN PTR VALUE…      results.json's top level (/verdict, /kernel, /checks/0/name)
#   json_at FILE PTR VALUE…    any JSON file (a matrix's results.json)
#   ktap_has RUN ERE           a line of RUN's KTAP (the KTAP itself is the subject)
#   no_leftovers [RUN]         no QEMU and no libvirt root left of the runs this script
#                              started (by pid, and restored guests by their run's libvirt
#                              root: other people's guests do not count), or of the runs
#                              under $out/RUN (a matrix's jobs)
#   RUN is a run dir under $out (mom, matrix/dimm-memmap-off.ppc64le) or an absolute path.
#   CHECK must name exactly one check of the run: where a name repeats (an offline done
#   twice), say which by its scenario line, NAME@LINE. VALUE is compared exactly
#   (strings as they are, whole numbers as integers) unless it starts with
#     ~ERE   the value matches ERE (bash =~; one string: . and [^x] span newlines;
#            ~^ only asks that it is there)
#     <=N >=N <N >N !=N   a numeric comparison (the value must be a number)
#     =V     exactly V (for a V that starts with one of these)
# Prerequisites
#   need PREREQ… DESC   0 when every PREREQ is met; else 1 and one test DESC that SKIPs
#       with the reason, or, under HPT_IT_STRICT=1, fails (the coverage would be lost)
#       unless each missing PREREQ is in HPT_IT_ALLOW_SKIP. PREREQs: x86_64 ppc64le s390x
#       (that guest is built), debug-kernel-ARCH, minimal-kernel-ARCH, xmllint, chromium, libvirtd (a daemon of
#       our own can run: libvirtd-sandbox.sh).
# Lower level: ok NAME, not_ok NAME [DIAG…], skip NAME REASON, diag TEXT…, value RUN
#   CHECK PTR (prints an evidence value, for test names), "$jget" (the results.json
#   reader, build/tests/jget: tests/integration/jget.c), done_testing.
# Environment: HPT_IT_OUT (the output dir; default a fresh /tmp/hpt-it.XXXXXX, removed
#   when everything passed), HPT_IT_STRICT, HPT_IT_ALLOW_SKIP, HPT_TIMEOUT_SCALE.
# Deprecated, for scripts not converted yet (they print a note on stderr):
#   scenario NAME FILE WANT (the old argument order), json NAME ERE (an ERE over the
#   results.json with its newlines removed: use verdict/evidence), ktap NAME ERE (=
#   ktap_has), bad NAME (= not_ok), summary (= done_testing). A script that never
#   mentions done_testing may end with its own `[ "$fail" -eq 0 ]` (the plan is printed
#   for it); one that starts hotplug-test only as "$bin" gets the old machine-wide
#   no_leftovers. New scripts: done_testing, and hotplug-test through the helpers above.
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=$top/build/hotplug-test
jget=$top/build/tests/jget
_script=$(basename "$0" .sh)
if [ -n "${HPT_IT_OUT:-}" ]; then
	out=$HPT_IT_OUT _own_out=0
	mkdir -p "$out"
else
	out=$(mktemp -d /tmp/hpt-it.XXXXXX) _own_out=1
fi
_n=0 pass=0 fail=0 skipped=0 _done=0 _legacy=0 _in_check=0 rc=0
_why=()
declare -A _warned=()
cd "$top" || exit 2

# ---- TAP --------------------------------------------------------------------------------
_tap() {	# STATUS NAME [DIRECTIVE]
	local name=${2//\\/\\\\}
	name=${name//#/\\#}
	_n=$((_n + 1))
	echo "$1 $_n - ${name//$'\n'/ }${3:+ # $3}"
}
diag() { [ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/#   /'; }
ok() { pass=$((pass + 1)); _tap ok "$*"; }
not_ok() { fail=$((fail + 1)); _tap "not ok" "$1"; shift; diag "$@"; }
skip() { skipped=$((skipped + 1)); _tap ok "$1" "SKIP $2"; }

# check NAME CMD…: one test, CMD's success. Returns CMD's status.
check() {
	local name=$1 st
	shift
	_why=()
	_in_check=1
	"$@"
	st=$?
	_in_check=0
	if [ "$st" -eq 0 ]; then
		ok "$name"
	elif [ ${#_why[@]} -gt 0 ]; then
		not_ok "$name" "${_why[@]}"
	else
		not_ok "$name" "failed: $*"
	fi
	return "$st"
}

# _assert NAME PRED ARGS…: PRED as a test named NAME, or as the condition of a check.
_assert() {
	local name=$1
	shift
	if [ "$_in_check" = 1 ]; then
		"$@"
	else
		check "$name" "$@"
	fi
}

done_testing() {
	_done=1
	echo "1..$_n"
	echo "# $_script: $pass passed, $fail failed, $skipped skipped"
	if [ "$fail" -ne 0 ]; then
		echo "# output kept in $out"
		exit 1
	fi
	[ "$_own_out" = 0 ] || rm -rf "$out"
	exit 0
}

_at_exit() {
	local st=$?
	[ "$_done" = 0 ] || return
	# a script not converted yet ends with its own `[ "$fail" -eq 0 ]`
	if [ "$_legacy" = 1 ] || ! grep -q done_testing "$0" 2>/dev/null; then
		echo "1..$_n"
		echo "# $_script: $pass passed, $fail failed, $skipped skipped (deprecated helpers: end with done_testing)"
		[ "$fail" -eq 0 ] || st=1
		[ "$st" -ne 0 ] || [ "$_own_out" = 0 ] || rm -rf "$out"
	else
		not_ok "$_script ended before done_testing (exit $st)"
		echo "1..$_n"
		echo "# output kept in $out"
		st=1
	fi
	exit "$st"
}
trap _at_exit EXIT

if [ ! -x "$bin" ]; then
	echo "Bail out! $bin is missing: run make"
	exit 2
fi
if [ ! -x "$jget" ] || [ "$top/tests/integration/jget.c" -nt "$jget" ]; then
	make -s --no-print-directory -C "$top" build/tests/jget >&2 ||
		{ echo "Bail out! cannot build $jget"; exit 2; }
fi

# ---- running hotplug-test ---------------------------------------------------------------
hpt() { sh -c 'echo $$ >>"$0"; exec "$@"' "$out/.pids" "$bin" "$@"; }
track() { echo "$1" >>"$out/.pids"; }
hpt_bg() { "$bin" "$@" & bg_pid=$!; track "$bg_pid"; }
bg_wait() {
	local t0=$SECONDS
	[ -z "${1:-}" ] || kill "-$1" "$bg_pid"
	wait "$bg_pid"
	rc=$?
	waited=$((SECONDS - t0))
}

scenario() {
	local name want= files t0=$SECONDS
	local -a fl
	if [[ ${2:-} =~ ^[0-9]+$ ]]; then
		name=$1 want=$2 files=${3:-}
	elif [[ ${3:-} =~ ^[0-9]+$ ]]; then
		_deprecated "scenario NAME FILE WANT"
		name=$1 files=$2 want=$3
	fi
	if [ -z "${want:-}" ] || [ $# -lt 3 ]; then
		not_ok "scenario $*: want NAME WANT FILE [ARGS…]"
		return 2
	fi
	shift 3
	IFS=, read -ra fl <<<"$files"
	rm -rf "${out:?}/$name"
	hpt run --out "$out/$name" "$@" "${fl[@]}" >"$out/$name.ktap" 2>"$out/$name.err"
	rc=$?
	echo "$rc" >"$out/$name.rc"
	if [ "$rc" -eq "$want" ]; then
		ok "${suite:+$suite }$name: exit $rc ($((SECONDS - t0)) s)"
	else
		not_ok "${suite:+$suite }$name: exit $rc, want $want" \
			"$(cat "$out/$name.ktap" "$out/$name.err" | tail -n 40)"
	fi
	return 0
}

# hpt_says NAME WANT ERE ARGS…: one test: hotplug-test ARGS exits WANT and its output
# (stdout and stderr, kept in $out/says-N.out) has a line matching ERE
hpt_says() {
	local name=$1 want=$2 re=$3 st f=$out/says-$((_n + 1)).out
	shift 3
	hpt "$@" >"$f" 2>&1
	st=$?
	if [ "$st" -eq "$want" ] && grep -Eq -- "$re" "$f"; then
		ok "$name"
	else
		not_ok "$name" "exit $st (want $want), want a line matching $re; output:" \
			"$(head -n 8 "$f")"
	fi
}

wait_for() {
	local file=$1 re=$2 pid=${3:-} end=$((SECONDS + ${4:-60} * ${HPT_TIMEOUT_SCALE:-1}))
	while [ "$SECONDS" -lt "$end" ]; do
		grep -Eqs -- "$re" "$file" && return 0
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# the pids of the runs this script started: its own and those in the run dirs' domain.xml
# (a matrix's jobs), from domain names hpt-<arch>-<scenario>-<pid>
_our_pids() {	# [RUN]: only those of the runs under $out/RUN
	{
		[ -n "${1:-}" ] || cat "$out/.pids" 2>/dev/null
		find "$out/${1:-}" -name domain.xml -exec \
			sed -n 's|.*<name>hpt-.*-\([0-9][0-9]*\)</name>.*|\1|p' {} + 2>/dev/null
	} | sort -un
}
_no_leftovers() {
	local p n=0 q r
	for p in $(_our_pids "$@"); do
		n=$((n + 1))
		q=$(pgrep -af "guest=hpt-[^,]*-$p," | cut -c1-200)
		[ -z "$q" ] || _why+=("QEMU of run $p still running: $q")
		r=$(grep -lxs -- "$p" /tmp/hpt.*/owner)
		[ -z "$r" ] || _why+=("libvirt root of run $p left: ${r%/owner}")
	done
	if [ "$n" -eq 0 ] && [ -z "${1:-}" ] && ! grep -Eq '^[^#]*\<(hpt|scenario|track)\>' "$0"; then
		# a script not converted yet starts "$bin" itself: the old test, machine-wide
		_deprecated "no_leftovers without hpt/scenario/track"
		! pgrep -f 'qemu-system-.*hpt-' >/dev/null && ! ls -d /tmp/hpt.?????? >/dev/null 2>&1 &&
			return 0
		_why+=("a QEMU of hotplug-test or a libvirt root /tmp/hpt.* exists (anyone's)")
		return 1
	fi
	# a restored guest is named after its saved image (hpt-<arch>-r<key>), not its run: its
	# QEMU names the run's libvirt root, which the run dir's domain.xml names (the socket)
	for r in $(find "$out/${1:-}" -name domain.xml -exec \
		sed -n "s|.*<source mode='bind' path='\(/tmp/hpt\.[A-Za-z0-9]\{6\}\)/.*|\1|p" {} + 2>/dev/null | sort -u); do
		n=$((n + 1))
		q=$(pgrep -af "qemu-system-.*$r/" | cut -c1-200)
		[ -z "$q" ] || _why+=("QEMU of the run with root $r still running: $q")
	done
	[ "$n" -gt 0 ] || _why+=("no run of this script found: nothing to look for")
	[ "$n" -gt 0 ] && [ ${#_why[@]} -eq 0 ]
}
no_leftovers() { _assert "$_script: no QEMU process or libvirt root left behind${1:+ ($1)}" _no_leftovers "$@"; }

# ---- results.json ----------------------------------------------------------------------
_res() { case $1 in /*) echo "$1/results.json" ;; *) echo "$out/$1/results.json" ;; esac; }
# _jval VAR JGET-ARGS…: VAR = the value; on failure jget's message goes to _why
_jval() {
	local __v __st
	__v=$("$jget" "${@:2}" 2>"$out/.jget.err")
	__st=$?
	[ "$__st" -eq 0 ] || _why+=("$(cat "$out/.jget.err")")
	printf -v "$1" '%s' "$__v"
	return "$__st"
}
_num() {	# VALUE OP N
	awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
		if (a !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) exit 2
		a += 0; b += 0
		exit !(op == "<=" ? a <= b : op == ">=" ? a >= b : op == "<" ? a < b : \
			op == ">" ? a > b : a != b) }'
}
_match() {	# VALUE SPEC
	case $2 in
	'~'*) [[ $1 =~ ${2:1} ]] ;;
	'<='* | '>='* | '!='*) _num "$1" "${2:0:2}" "${2:2}" ;;
	'<'* | '>'*) _num "$1" "${2:0:1}" "${2:1}" ;;
	'='*) [ "$1" = "${2:1}" ] ;;
	*) [ "$1" = "$2" ] ;;
	esac
}
# _select VAR CHECK: VAR = jget's options for CHECK ("NAME" or "NAME@LINE"; none for "")
_select() {
	local -n __s=$1
	__s=()
	if [[ $2 =~ ^(.*)@([0-9]+)$ ]]; then
		__s=(-c "${BASH_REMATCH[1]}" -L "${BASH_REMATCH[2]}")
	elif [ -n "$2" ]; then
		__s=(-c "$2")
	fi
}
# _fields FILE CHECK BASE PTR SPEC…: every BASE/PTR of FILE (inside CHECK if not empty)
_fields() {
	local f=$1 c=$2 base=$3 v st=0
	local -a sel
	shift 3
	if [ $# -eq 0 ] || [ $(($# % 2)) -ne 0 ]; then
		_why+=("want PTR VALUE pairs, got: $*")
		return 2
	fi
	_select sel "$c"
	[ -e "$f" ] || { _why+=("$f: no such file"); return 1; }
	while [ $# -gt 0 ]; do
		if _jval v "${sel[@]}" "$f" "$base$1"; then
			_match "$v" "$2" ||
				{ _why+=("${c:+$c: }$base$1 is '${v:0:400}', want $2"); st=1; }
		else
			st=1
			[ -z "$c" ] || [ "$("$jget" -n "${sel[@]:1}" "$f" 2>/dev/null)" = 1 ] ||
				{ _why+=("checks there: $("$jget" -l "$f" 2>/dev/null | paste -sd, -)"); break; }
		fi
		shift 2
	done
	return "$st"
}
_verdict() {	# RUN CHECK V [CHECK V]…
	local s f st=0
	local -a sel
	f=$(_res "$1")
	shift
	while [ $# -ge 2 ]; do
		if ! _fields "$f" "$1" "" /verdict "$2"; then
			st=1
			_select sel "$1"
			s=$("$jget" "${sel[@]}" "$f" /summary 2>/dev/null) &&
				_why+=("summary: ${s:0:600}")
		fi
		shift 2
	done
	[ $# -eq 0 ] || { _why+=("want CHECK VERDICT pairs"); st=2; }
	return "$st"
}
verdict() { _assert "$1: '$2' is $3${5:+ …}" _verdict "$@"; }
evidence() { _assert "$1: '$2' evidence ${*:3}" _fields "$(_res "$1")" "$2" /evidence "${@:3}"; }
check_has() { _assert "$1: '$2' ${*:3}" _fields "$(_res "$1")" "$2" "" "${@:3}"; }
summary_has() { _assert "$1: '$2' summary ~ $3" _fields "$(_res "$1")" "$2" "" /summary "~$3"; }
result() { _assert "$1: ${*:2}" _fields "$(_res "$1")" "" "" "${@:2}"; }
json_at() { _assert "${1#"$out"/}: ${*:2}" _fields "$1" "" "" "${@:2}"; }
# some_check RUN PTR VALUE: at least one check of RUN has VALUE at PTR (/summary, /verdict)
_some_check() {
	local f i v
	f=$(_res "$1")
	for ((i = 0; ; i++)); do
		v=$("$jget" "$f" "/checks/$i$2" 2>/dev/null) || "$jget" "$f" "/checks/$i" >/dev/null 2>&1 ||
			break
		_match "$v" "$3" && return 0
	done
	_why+=("no check of $f (of $i) has $2 $3")
	return 1
}
some_check() { _assert "$1: some check has $2 $3" _some_check "$@"; }
# value RUN CHECK PTR: prints the check's evidence at PTR ('?' if it is not there), for
# test names and diagnostics; never a test
value() {
	local -a sel
	_select sel "$2"
	"$jget" "${sel[@]}" "$(_res "$1")" "/evidence$3" 2>/dev/null || echo '?'
}
# absent RUN CHECK: RUN's results.json is there and has no check named CHECK
_absent() {
	local n f
	f=$(_res "$1")
	n=$("$jget" -n "$2" "$f" 2>&1) || { _why+=("$n"); return 1; }
	[ "$n" = 0 ] && return 0
	_why+=("$f has $n check(s) named '$2'")
	return 1
}
absent() { _assert "$1: no check '$2'" _absent "$@"; }
_ktap_has() {
	grep -Eqs -- "$2" "$out/$1.ktap" && return 0
	_why+=("no line of $1.ktap matches $2" "$(tail -n 20 "$out/$1.ktap" 2>/dev/null)")
	return 1
}
ktap_has() { _assert "$1: KTAP has $2" _ktap_has "$@"; }

# ---- prerequisites ---------------------------------------------------------------------
_have() {	# PREREQ: 0, or 1 with the reason in _need_why
	local a
	_need_why=
	case $1 in
	x86_64 | ppc64le | s390x)
		[ -s "$top/build/$1/initramfs.cpio.gz" ] && [ -s "$top/build/$1/kernel/version" ] ||
			_need_why="no $1 guest (make guest ARCH=$1)" ;;
	debug-kernel-*)
		a=${1#debug-kernel-}
		[ -s "$top/build/$a-debug/initramfs.cpio.gz" ] && [ -s "$top/build/$a-debug/kernel/version" ] ||
			_need_why="no $a debug kernel (make debug-kernel ARCH=$a)" ;;
	minimal-kernel-*)
		a=${1#minimal-kernel-}
		[ -s "$top/build/$a-minimal/kernel/version" ] && [ -s "$top/build/$a-minimal/kernel/vmlinuz" ] ||
			_need_why="no $a minimal kernel (make minimal-kernel ARCH=$a: a kernel build, not cached)" ;;
	xmllint) command -v xmllint >/dev/null || _need_why="no xmllint (apt-get install libxml2-utils)" ;;
	chromium)
		command -v chromium >/dev/null || command -v chromium-browser >/dev/null ||
			_need_why="no chromium (apt-get install chromium)" ;;
	libvirtd)	# a daemon of our own (libvirtd-sandbox.sh): root, a mount namespace
		if ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null; then
			_need_why="no libvirtd (apt-get install libvirt-daemon libvirt-clients)"
		elif [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
			_need_why="a libvirtd of our own needs root and unshare"
		fi ;;
	stack-backports)	# kernels/stack-root.sh: a bookworm root by mmdebstrap (which
		# --stack backports installs itself: host/install-deps.sh stack), chroot
		if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
			_need_why="the backports stack's root needs root and unshare"
		fi ;;
	*) _need_why="unknown prerequisite '$1' (lib.sh knows: x86_64 ppc64le s390x debug-kernel-ARCH minimal-kernel-ARCH xmllint chromium libvirtd stack-backports)" ;;
	esac
	[ -z "$_need_why" ]
}

need() {
	local desc=${!#} p strict=0 allowed note="(HPT_IT_STRICT=1: skipping it would lose coverage)"
	local -a why=()
	[ $# -ge 2 ] || { not_ok "need $*: want PREREQ… DESC"; return 1; }
	for p in "${@:1:$#-1}"; do
		_have "$p" && continue
		why+=("$_need_why")
		allowed=" ${HPT_IT_ALLOW_SKIP:-} "
		[[ $_need_why != unknown* ]] || { strict=1 note="(a typo in the script?)"; }
		[ "${HPT_IT_STRICT:-0}" != 1 ] || [[ $allowed == *" $p "* ]] || strict=1
	done
	[ ${#why[@]} -gt 0 ] || return 0
	if [ "$strict" = 1 ]; then
		not_ok "$desc" "prerequisite missing: $(IFS=';'; echo "${why[*]}")" "$note"
	else
		skip "$desc" "$(IFS=';'; echo "${why[*]}")"
	fi
	return 1
}

# ---- deprecated (see the top) ----------------------------------------------------------
_deprecated() {
	_legacy=1
	[ -n "${_warned[$1]:-}" ] && return
	_warned[$1]=1
	echo "lib.sh: $_script uses the deprecated '$1' (see tests/integration/lib.sh)" >&2
}
json() { _deprecated json; tr -d '\n' <"$out/$1/results.json" | grep -Eq -- "$2"; }
ktap() { _deprecated ktap; _ktap_has "$@"; }
bad() { _deprecated bad; not_ok "$*"; }
summary() { _deprecated summary; done_testing; }
has() { grep -Eq -- "$2" "$1"; }	# FILE ERE: a line of FILE matches
