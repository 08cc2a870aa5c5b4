#!/bin/sh
# debian-headers.sh VERSION: makes sure Debian's linux-headers-VERSION (the kbuild tree
# that out-of-tree modules for that exact guest kernel build against) is installed and
# prints its directory. As root it installs with apt; otherwise it prints the command.
set -eu
ver=$1
dir=/usr/src/linux-headers-$ver
if [ ! -f "$dir/Makefile" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "debian-headers: missing; run: sudo apt-get install linux-headers-$ver" >&2
		exit 1
	fi
	echo "debian-headers: installing linux-headers-$ver" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"linux-headers-$ver" >&2 ||
		{ apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "linux-headers-$ver" >&2; }
fi
echo "$dir"
