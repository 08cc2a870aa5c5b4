#!/bin/bash
# The HTML reports of real runs (a FAIL, a PASS, a 50-cycle trend run, a matrix of two
# arches): well-formed XHTML (xmllint's XML parser, nothing on stderr) holding the plots
# and the failing checks, a broken copy rejected by the same check, `hotplug-test report`
# making them again; and a real browser: Debian's headless Chromium renders the FAIL
# run's report and the matrix index, and tests/browser/pngjudge judges the screenshots
# (the timeline's plot area is not blank, the FAIL colour is where the verdict is), with
# known-bad pages rejected by the same assertions. The PNGs stay in $out/report/ and are
# copied to build/report-screens/.
. "$(dirname "$0")/lib.sh"
r=$out/report
judge=$top/build/browser/pngjudge
mkdir -p "$r"

# the colours of the verdicts and the timeline's plot area (host/report_html.h)
FAIL=c8102e PASS=1e8e3e PLOT=eef5fc SERIES=1f6fb2,d9480f

# wellformed FILE: xmllint's XML parser accepts it and prints nothing
wellformed() { xmllint --noout "$1" >"$r/xmllint.out" 2>&1 && [ ! -s "$r/xmllint.out" ]; }
# xp FILE XPATH: the value (elements by local name: the page is in the XHTML namespace)
xp() { xmllint --xpath "$2" "$1" 2>/dev/null; }
E() { echo "*[local-name()=\"$1\"]"; }
# xpeq FILE XPATH WANT / xphas FILE XPATH TEXT
xpeq() { [ "$(xp "$1" "$2")" = "$3" ]; }
xphas() { xp "$1" "$2" | grep -qF -- "$3"; }
xpge() { [ "$(xp "$1" "$2")" -ge "$3" ] 2>/dev/null; }

# the runs: those dimm.sh and matrix.sh made in the same run.sh (siblings of $out), else
# made here
for want in "wrong tests/scenarios/expect-wrong-placement.scn 1" \
	    "mom scenarios/dimm-memmap-on-memory.scn 0" "cycles scenarios/dimm-cycles.scn 0"; do
	set -- $want
	if [ -s "$out/../dimm/$1/results.json" ]; then
		rm -rf "${out:?}/$1"
		cp -a "$out/../dimm/$1" "$out/$1"
	else
		scenario "$1" "$3" "$2"
	fi
done
m=$out/../matrix/matrix
if [ ! -s "$m/results.json" ] || ! grep -q '"verdict": "FAIL"' "$m/results.json"; then
	m=$r/matrix
	rm -rf "$m"
	hpt matrix -j 2 --arch x86_64,ppc64le --out "$m" tests/scenarios/expect-wrong-placement.scn \
		scenarios/dimm-memmap-off.scn >"$m.out" 2>"$m.err"
	rc=$?
	check "report: a matrix of 2 scenarios x 2 arches: exit 1 (one FAIL), got $rc" test "$rc" -eq 1
fi

# --- well-formed, with the plots and the failing checks ---------------------------------
W=$out/wrong/report.html
for f in "$W" "$out/mom/report.html" "$out/cycles/report.html" "$m/index.html" "$m"/*/report.html; do
	check "report: ${f#$out/} is well-formed XHTML" wellformed "$f"
done
check "report: FAIL run: the verdict first, in the FAIL class" \
	xpeq "$W" "count(//$(E header)[contains(@class,\"v-FAIL\")])" 1
check "report: FAIL run: the failing check first, with its evidence" \
	xphas "$W" "string((//$(E section)[@id=\"problems\"]/$(E div))[1])" "placement d0"
check "report: FAIL run: … its evidence names both placements" \
	xphas "$W" "string((//$(E section)[@id=\"problems\"]/$(E div))[1])" "expected_fromscenario"
check "report: FAIL run: a timeline with 5 panels, each a line" \
	xpge "$W" "count(//$(E section)[@id=\"timeline\"]//$(E polyline))" 5
check "report: FAIL run: plug, online, offline, unplug marked" \
	xphas "$W" "string(//$(E section)[@id=\"timeline\"])" "plug d0online d0offline d0unplug d0"
check "report: FAIL run: the block map and the memmap's leading frames" \
	xphas "$W" "string(//$(E section)[@id=\"devices\"])" "memmap on the block (its leading frames), proven"
check "report: FAIL run: the teardown sequence and its order check" \
	xphas "$W" "string(//$(E section)[@id=\"devices\"])" "teardown order (rule: reverse)"
check "report: FAIL run: no script" xpeq "$W" "count(//$(E script))" 0
check "report: PASS run: says every check passed" \
	xphas "$out/mom/report.html" "string(//$(E section)[@id=\"problems\"])" "Every one of the"
ntrend=$(grep -c '"name": "trend ' "$out/cycles/results.json")
check "report: trend run: one per-cycle plot per trend check ($ntrend) with a fitted line" \
	xpeq "$out/cycles/report.html" "count(//$(E section)[@id=\"trend\"]//$(E svg))" "$ntrend"
check "report: trend run: the oracle ran several trend checks" test "${ntrend:-0}" -ge 6
check "report: trend run: bytes per cycle from the oracle's evidence" \
	xphas "$out/cycles/report.html" "string(//$(E section)[@id=\"trend\"])" "bytes per cycle"
check "report: trend run: the 50 identical cycles of teardown folded" \
	xphas "$out/cycles/report.html" "string(//$(E section)[@id=\"devices\"])" "× 50 (every cycle the same)"
fcell="//$(E td)[@class=\"v-FAIL\"]/$(E a)/@href"
check "report: matrix: the FAIL cell links its run's report" \
	test -s "$m/$(xp "$m/index.html" "string($fcell)")"
check "report: matrix: checks that ran, per column" \
	xphas "$m/index.html" "string(//$(E table)[@class=\"grid\"])" "checks that ran"

# the same check must fire on a broken report
head -c -300 "$W" >"$r/broken-truncated.html"
sed '0,/<td>/s//<td><b>/' "$W" >"$r/broken-unclosed.html"
check "report: a truncated report is rejected" eval '! wellformed "$r/broken-truncated.html"'
check "report: a report with an unclosed element is rejected" eval '! wellformed "$r/broken-unclosed.html"'

# --- hotplug-test report makes them again --------------------------------------------
cp "$W" "$r/first.html"
rm "$W"
hpt report "$out/wrong" >"$r/again.out" 2>&1
check "report: \`report DIR\` makes the same report again" cmp -s "$W" "$r/first.html"
mkdir -p "$r/old" && cp "$out/wrong/results.json" "$r/old/"
hpt report "$r/old" >"$r/old.out" 2>&1
check "report: a run dir of an older version (no snapshots, no logs): says what it lacks" \
	grep -q 'lacks: no snapshots/ directory' "$r/old.out"
hpt report "$r" >"$r/none.out" 2>&1
rc=$?
check "report: no results.json: exit 2 naming it (got $rc)" \
	eval '[ "$rc" -eq 2 ] && grep -q "report/results.json: No such file" "$r/none.out"'
no_leftovers	# every guest of this script has run by now

# --- a real browser ------------------------------------------------------------------
# make integration installs it (tests/browser/browser.mk): there a missing one fails
need chromium "report: a real browser renders the reports (screenshots judged)" || done_testing
[ -x "$judge" ] || make -s -C "$top" build/browser/pngjudge >/dev/null
# shot HTML PNG W,H: a screenshot by headless Chromium, as the file:// URL a person opens
shot() {
	local prof t0=$SECONDS rc
	prof=$(mktemp -d /tmp/hpt-chromium.XXXXXX)
	timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --user-data-dir="$prof" --screenshot="$2" --window-size="$3" \
		"file://$1" >"$2.log" 2>&1
	rc=$?
	rm -rf "$prof"
	echo "# chromium: $(basename "$2") in $((SECONDS - t0)) s"
	[ "$rc" -eq 0 ] && [ -s "$2" ]
}
# the assertions, the same for good and known-bad pages
verdict_fail() { "$judge" "$1" colour $FAIL 0 0 -1 100 30000 >"$1.judge"; }
plot_drawn() { "$judge" "$1" plot $PLOT $SERIES 2 400 >>"$1.judge"; }
cells_fail() { "$judge" "$1" colour $FAIL 0 110 -1 -1 3000 >"$1.judge"; }
cells_pass() { "$judge" "$1" colour $PASS 0 110 -1 -1 3000 >>"$1.judge"; }

cp "$W" "$out/wrong/bad-verdict.html"
sed -i 's/class="verdict v-FAIL"/class="verdict v-PASS"/' "$out/wrong/bad-verdict.html"
sed -E 's#<polyline[^>]*/>##g; s#<circle[^>]*>(<title>[^<]*</title>)?</circle>##g' "$W" \
	>"$out/wrong/bad-plot.html"
sed 's/<td class="v-FAIL"/<td class="v-PASS"/' "$m/index.html" >"$m/bad-index.html"
check "report: chromium renders the FAIL run's report" shot "$W" "$r/fail-run.png" 1280,3000
check "report: chromium renders the matrix index" shot "$m/index.html" "$r/matrix.png" 1280,900
shot "$out/wrong/bad-verdict.html" "$r/bad-verdict.png" 1280,3000
shot "$out/wrong/bad-plot.html" "$r/bad-plot.png" 1280,3000
shot "$m/bad-index.html" "$r/bad-index.png" 1280,900
rm -f "$out/wrong/bad-verdict.html" "$out/wrong/bad-plot.html" "$m/bad-index.html"
check "report: screenshot: the FAIL colour where the verdict is" verdict_fail "$r/fail-run.png"
check "report: screenshot: the timeline's plot area is not blank" plot_drawn "$r/fail-run.png"
check "report: screenshot: a FAIL cell in the matrix" cells_fail "$r/matrix.png"
check "report: screenshot: PASS cells in the matrix" cells_pass "$r/matrix.png"
check "report: known-bad: a FAIL report drawn as PASS is rejected" \
	eval '! verdict_fail "$r/bad-verdict.png"'
check "report: known-bad: … while its plot still passes (the assertions are apart)" \
	plot_drawn "$r/bad-verdict.png"
check "report: known-bad: a timeline with no series drawn is rejected" \
	eval '! plot_drawn "$r/bad-plot.png"'
check "report: known-bad: a matrix whose FAIL cell is drawn as PASS is rejected" \
	eval '! cells_fail "$r/bad-index.png"'
sed 's/^/# /' "$r"/*.png.judge
mkdir -p "$top/build/report-screens" && cp "$r"/*.png "$top/build/report-screens/"
echo "# screenshots in $r and $top/build/report-screens"
check "report: no Chromium left running" eval '! pgrep -f "chromium.*hpt-chromium" >/dev/null'
done_testing
