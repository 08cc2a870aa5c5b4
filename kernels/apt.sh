# Shell library (sourced): fetch Debian packages of any architecture into a cache dir,
# without dpkg --add-architecture. Foreign arches get their own apt list dir.
#   apt_setup DEBARCH DIR      DIR caches the .debs (and lists/ for foreign arches)
#   apt_suite SUITE DIR        from then on apt sees only SUITE (private sources, lists
#                              and cache in DIR; the host's apt state is never used)
#   apt_resolve META SUFFIX    prints META's first "Depends: <name>" ending in SUFFIX
#   apt_fetch PKG              prints the path of PKG's cached .deb, downloading it
#   apt_fetch_exact PKG VER    the same for that exact version (cached by version)
# Callers define die(). Downloads need root; otherwise the command is printed.

apt_setup() {
	apt_arch=$1
	apt_dir=$2
	mkdir -p "$apt_dir" || die "cannot create $apt_dir"
	apt_dir=$(cd "$apt_dir" && pwd)
	if [ "$apt_arch" = "$(dpkg --print-architecture)" ]; then
		apt_o=""
	else
		mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
		apt_o="-o APT::Architecture=$apt_arch -o APT::Architectures=$apt_arch"
		apt_o="$apt_o -o Dir::State::Lists=$apt_dir/lists -o Dir::Cache=$apt_dir/cache"
	fi
	apt_o="$apt_o -o APT::Sandbox::User=root"
	apt_updated=""
	apt_lists=$apt_dir
}

# The archive's sources for a suite: a stable release (bookworm, trixie, …) comes with its
# -updates and -security pockets; sid, experimental and any pocket name (-backports, …)
# stand alone. HPT_DEBIAN_MIRROR / HPT_DEBIAN_SECURITY override the archive URLs.
apt_sources() {
	kr='[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]'
	m=${HPT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
	sec=${HPT_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
	case $1 in
	sid | unstable | experimental | rc-buggy | *-*)
		echo "deb $kr $m $1 main" ;;
	*)
		echo "deb $kr $m $1 main"
		echo "deb $kr $m $1-updates main"
		echo "deb $kr $sec $1-security main" ;;
	esac
}

# apt_suite SUITE DIR (after apt_setup): apt reads SUITE's indices for apt_arch only,
# kept in DIR with their own sources.list and cache; no preferences, no dpkg status.
apt_suite() {
	case $1 in '' | *[!a-z0-9-]*) die "bad suite name '$1'" ;; esac
	mkdir -p "$2/lists/partial" "$2/cache/archives/partial" || die "cannot create $2"
	apt_lists=$(cd "$2" && pwd)
	# rewritten only when it changes: apt rebuilds its binary cache when it is newer
	apt_sources "$1" >"$apt_lists/sources.list.$$" || die "cannot write $apt_lists"
	if cmp -s "$apt_lists/sources.list.$$" "$apt_lists/sources.list"; then
		rm -f "$apt_lists/sources.list.$$"
	else
		mv -f "$apt_lists/sources.list.$$" "$apt_lists/sources.list" ||
			die "cannot write $apt_lists/sources.list"
	fi
	apt_o="-o APT::Architecture=$apt_arch -o APT::Architectures=$apt_arch"
	apt_o="$apt_o -o Dir::Etc::SourceList=$apt_lists/sources.list"
	apt_o="$apt_o -o Dir::Etc::SourceParts=/dev/null -o Dir::Etc::Preferences=/dev/null"
	apt_o="$apt_o -o Dir::Etc::PreferencesParts=/dev/null -o Dir::State::status=/dev/null"
	apt_o="$apt_o -o Dir::State::Lists=$apt_lists/lists -o Dir::Cache=$apt_lists/cache"
	apt_o="$apt_o -o Acquire::Languages=none -o APT::Sandbox::User=root"
	# a binary cache of the lists (the host may disable it): each apt-cache call then
	# maps it instead of parsing ~20 MB of lists (0.5 s instead of 4 s here); without a
	# dpkg status the source cache would only duplicate it (40 MB)
	apt_o="$apt_o -o Dir::Cache::pkgcache=pkgcache.bin -o Dir::Cache::srcpkgcache="
	apt_updated=""
}

# apt_suite_fresh: the suite's lists were fetched less than HPT_APT_MAX_AGE minutes ago
# (default a day; 0 refreshes on every call). apt keeps the server's dates on the files,
# so the time of the last good update is a stamp of our own.
apt_suite_fresh() {
	[ -f "$apt_lists/updated" ] || return 1
	ls "$apt_lists"/lists/*_Packages* >/dev/null 2>&1 || return 1
	[ -z "$(find "$apt_lists/updated" -mmin +"${HPT_APT_MAX_AGE:-1440}")" ]
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
	if apt-get $apt_o -qq update >"$apt_lists/update.log" 2>&1; then
		touch "$apt_lists/updated"
		rm -f "$apt_lists/unserved"
	fi
	# shellcheck disable=SC2086
	apt-cache $apt_o gencaches >/dev/null 2>&1 || true
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

# apt_fetch_exact PKG VERSION: PKG's .deb of exactly VERSION, from the cache or downloaded
# (apt names the file NAME_VERSION_ARCH.deb, a ':' as %3a). Returns 1 when the archive
# does not serve it (the reason is in $apt_dir/download.log).
apt_fetch_exact() {
	apt_deb=
	for a in "$apt_arch" all; do
		f=$apt_dir/$1_$(echo "$2" | sed 's/:/%3a/g')_$a.deb
		[ -f "$f" ] && { apt_deb=$f; echo "$f"; return 0; }
	done
	# shellcheck disable=SC2086
	(cd "$apt_dir" && apt-get $apt_o -qq download "$1:$apt_arch=$2") \
		>>"$apt_dir/download.log" 2>&1 || return 1
	for a in "$apt_arch" all; do
		f=$apt_dir/$1_$(echo "$2" | sed 's/:/%3a/g')_$a.deb
		[ -f "$f" ] && { apt_deb=$f; echo "$f"; return 0; }
	done
	return 1
}

# apt_newest_first: sorts "NAME VERSION" lines by VERSION in Debian's order (dpkg's
# epoch:upstream-revision comparison, '~' before anything), newest first. One awk
# process: dpkg --compare-versions per pair costs seconds on a loaded machine.
apt_newest_first() {
	awk '
	function ord(c) {
		if (c == "") return 0
		if (c == "~") return -1
		if (c ~ /[A-Za-z]/) return code[c]
		return code[c] + 256
	}
	function part(a, b,   i, ca, cb, da, db, x) {	# dpkg verrevcmp
		while (a != "" || b != "") {
			while ((a != "" && substr(a, 1, 1) !~ /[0-9]/) ||
			       (b != "" && substr(b, 1, 1) !~ /[0-9]/)) {
				ca = substr(a, 1, 1); cb = substr(b, 1, 1)
				if (ca ~ /[0-9]/) ca = ""
				if (cb ~ /[0-9]/) cb = ""
				x = ord(ca) - ord(cb)
				if (x) return x
				if (ca != "") a = substr(a, 2)
				if (cb != "") b = substr(b, 2)
			}
			match(a, /^[0-9]*/); da = substr(a, 1, RLENGTH); a = substr(a, RLENGTH + 1)
			match(b, /^[0-9]*/); db = substr(b, 1, RLENGTH); b = substr(b, RLENGTH + 1)
			sub(/^0+/, "", da); sub(/^0+/, "", db)
			if (length(da) != length(db)) return length(da) - length(db)
			if (da != db) return da < db ? -1 : 1
		}
		return 0
	}
	function split3(v, r,   c) {	# r[1] epoch, r[2] upstream, r[3] revision
		r[1] = 0
		if ((c = index(v, ":")) > 0) { r[1] = substr(v, 1, c - 1); v = substr(v, c + 1) }
		r[3] = ""
		if (match(v, /-[^-]*$/)) { r[3] = substr(v, RSTART + 1); v = substr(v, 1, RSTART - 1) }
		r[2] = v
	}
	function vcmp(a, b,   ra, rb, x) {
		split3(a, ra); split3(b, rb)
		if (ra[1] + 0 != rb[1] + 0) return ra[1] - rb[1]
		if ((x = part(ra[2], rb[2]))) return x
		return part(ra[3], rb[3])
	}
	BEGIN { for (i = 33; i < 127; i++) code[sprintf("%c", i)] = i }
	NF >= 2 { n++; line[n] = $0; ver[n] = $2 }
	END {
		for (i = 2; i <= n; i++) {	# insertion sort, newest first
			l = line[i]; v = ver[i]
			for (j = i - 1; j >= 1 && vcmp(ver[j], v) < 0; j--) {
				line[j + 1] = line[j]; ver[j + 1] = ver[j]
			}
			line[j + 1] = l; ver[j + 1] = v
		}
		for (i = 1; i <= n; i++) print line[i]
	}'
}
