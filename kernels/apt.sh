# Shell library (sourced): fetch Debian packages of any architecture into a cache dir,
# without dpkg --add-architecture. Foreign arches get their own apt list dir.
#   apt_setup DEBARCH DIR      DIR caches the .debs (and lists/ for foreign arches)
#   apt_resolve META SUFFIX    prints META's first "Depends: <name>" ending in SUFFIX
#   apt_fetch PKG              prints the path of PKG's cached .deb, downloading it
# Callers define die(). Downloads need root; otherwise the command is printed.

apt_setup() {
	apt_arch=$1
	apt_dir=$2
	mkdir -p "$apt_dir" || die "cannot create $apt_dir"
	apt_dir=$(cd "$apt_dir" && pwd)
	if [ "$apt_arch" = "$(dpkg --print-architecture)" ]; then
		apt_o=""
	else
		mkdir -p "$apt_dir/lists/partial"
		apt_o="-o APT::Architecture=$apt_arch -o APT::Architectures=$apt_arch"
		apt_o="$apt_o -o Dir::State::Lists=$apt_dir/lists"
	fi
	apt_o="$apt_o -o APT::Sandbox::User=root"
	apt_updated=""
}

apt_need_root() {
	[ "$(id -u)" -eq 0 ] || die "not root; run as root: $*"
}

# One update per run; a partial failure (an index mid-sync) is tolerated: what matters
# is whether the package resolves afterwards.
apt_update() {
	[ -z "$apt_updated" ] || return 0
	apt_need_root "apt-get $apt_o update"
	# shellcheck disable=SC2086
	apt-get $apt_o -qq update >"$apt_dir/update.log" 2>&1 || true
	apt_updated=1
}

apt_resolve() {
	# shellcheck disable=SC2086
	apt-cache $apt_o depends "$1" 2>/dev/null |
		sed -n "s/^ *Depends: \([^ <>]*$2\)\$/\1/p" | head -n 1
}

apt_cached() {
	# shellcheck disable=SC2012
	ls -1 "$apt_dir/$1"_*_"$apt_arch".deb "$apt_dir/$1"_*_all.deb 2>/dev/null |
		sort -V | tail -n 1
}

apt_fetch() {
	apt_deb=$(apt_cached "$1")
	if [ -z "$apt_deb" ]; then
		apt_need_root "cd $apt_dir && apt-get $apt_o download $1:$apt_arch"
		echo "hotplug-test: fetching Debian's $1 ($apt_arch)…" >&2
		# shellcheck disable=SC2086
		if ! (cd "$apt_dir" && apt-get $apt_o -qq download "$1:$apt_arch") \
			>"$apt_dir/download.log" 2>&1; then
			apt_update	# stale or missing lists: refresh once and retry
			# shellcheck disable=SC2086
			(cd "$apt_dir" && apt-get $apt_o -qq download "$1:$apt_arch") \
				>"$apt_dir/download.log" 2>&1 ||
				die "apt-get download $1:$apt_arch failed (see $apt_dir/download.log)"
		fi
		apt_deb=$(apt_cached "$1")
		[ -n "$apt_deb" ] || die "$1: downloaded package not found in $apt_dir"
	fi
	echo "$apt_deb"
}
