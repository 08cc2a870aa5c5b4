#!/bin/sh
# The README's quick start is what CI runs on a bare machine: the commands of its first
# indented block must be the ones .ci/run hands to tests/fresh-root.sh, in that order.
#   tests/lint/quickstart.sh [DIR]
set -u
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
readme=$(awk '/^## Quick start/ { on = 1; next } on && /^## / { exit }
	on && /^    [^ ]/ { sub(/^    /, ""); print; got = 1; next } got && !/^    / { exit }' \
	"$top/README.md")
ci=$(sed -n "s/^exec tests\/fresh-root.sh sh -c '\(.*\)'$/\1/p" "$top/.ci/run" | sed 's/ && /\n/g')
if [ -z "$readme" ] || [ "$readme" != "$ci" ]; then
	echo "quickstart: README.md's quick start and .ci/run differ"
	echo "  README.md: $(echo "$readme" | tr '\n' ';')"
	echo "  .ci/run:   $(echo "$ci" | tr '\n' ';')"
	exit 1
fi
echo "quickstart: README.md's quick start is what CI runs in a fresh root: $(echo "$readme" | tr '\n' ';')"
