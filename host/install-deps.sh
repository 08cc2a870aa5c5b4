#!/bin/sh
# Installs the Debian packages hotplug-test needs:
#   host/install-deps.sh [SET…]     SET: host (the default), an arch (x86_64, ppc64le,
#                                   s390x: the rows of kernels/arches.def), kernels,
#                                   image, image-ppc64le, image-s390x, stack
# host: the controller's build, libvirt and libguestfs; an arch: its QEMU and, for a
# foreign arch, the cross compiler of its guest agent (the table's qemu and cross columns);
# kernels: what a Debian kernel of another suite needs (mmdebstrap: the build root its
# probe is compiled in, kernels/probe-build.sh);
# image: what building a Debian image needs (mmdebstrap; a foreign arch's maintainer
# scripts run under qemu-user-static; mmdebstrap checks them with arch-test); stack: what `--stack backports` needs on this
# machine (mmdebstrap makes its root, kernels/stack-root.sh). $EXTRA_PKGS adds packages (make fuzz: clang,
# make sanitize: valgrind; see tests/fuzz/fuzz.mk, tests/sanitizers/sanitizers.mk); the
# set `extra` is $EXTRA_PKGS alone (kernels/debian-headers.sh: a kernel's headers;
# tests/fresh-root.sh: mmdebstrap). Every system install of the project goes through here,
# one at a time (a lock, below).
# $GUEST_ARCHES (older callers) adds those arches' sets.
# As root with packages missing: apt-get install, quietly: one line on the terminal (with
# progress on a TTY), apt's output in $HPT_LOG (default .cache/log/setup.log), whose path
# and tail are printed when it fails. Without root: prints the exact command and fails.
# Also makes libvirt's QEMU user and group, as libvirt-daemon-system's postinst would.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
log=${HPT_LOG:-$top/.cache/log/setup.log}
die() { echo "install-deps: $*" >&2; exit 2; }
arch_def=$top/kernels/arches.def
. "$top/kernels/arch.sh"

[ $# -gt 0 ] || set -- host
pkgs=
for set in "$@" ${GUEST_ARCHES:-}; do
	case $set in
	host) pkgs="$pkgs gcc make pkg-config libc6-dev libvirt-dev libvirt-daemon
		libvirt-daemon-driver-qemu libxml2-utils kmod passwd procps busybox-static cpio
		gzip xz-utils zstd libguestfs-dev" ;;
	kernels) pkgs="$pkgs mmdebstrap" ;;
	image) pkgs="$pkgs mmdebstrap qemu-utils" ;;
	image-ppc64le | image-s390x) pkgs="$pkgs mmdebstrap qemu-utils qemu-user-static arch-test" ;;
	stack) pkgs="$pkgs mmdebstrap" ;;
	extra) ;;
	*) arch_vars "$set" || die "unknown set '$set' (host, $(arch_list | sed 's/ /, /g')," \
		"kernels, image, image-ppc64le, image-s390x, stack, extra)"
	   pkgs="$pkgs $qemu_pkg $cross_pkgs" ;;
	esac
done
pkgs="$pkgs ${EXTRA_PKGS:-}"

say() { echo "hotplug-test: $*" >&2; }
failed() {	# failed WHAT: the log's tail and its path
	say "$1 failed; the last lines of $log:"
	tail -n 15 "$log" | sed 's/^/    /' >&2
	exit 1
}

# The privileged embedded driver resolves its default QEMU user and group (libvirt-qemu)
# before it reads our qemu.conf: they must exist even though QEMU runs as root here.
# The same names, ids, home and groups as libvirt-daemon-system's postinst.
libvirt_user() {
	getent group kvm >/dev/null || groupadd --system kvm || return 1
	if ! getent passwd libvirt-qemu >/dev/null; then
		uid=; getent passwd 64055 >/dev/null || uid="--uid 64055"
		# shellcheck disable=SC2086
		useradd --system $uid --gid kvm --home-dir /var/lib/libvirt --no-create-home \
			--shell /usr/sbin/nologin --comment "Libvirt Qemu" libvirt-qemu || return 1
	fi
	if ! getent group libvirt-qemu >/dev/null; then
		gid=; getent group 64055 >/dev/null || gid="--gid 64055"
		# shellcheck disable=SC2086
		groupadd --system $gid libvirt-qemu || return 1
		usermod -a -G libvirt-qemu libvirt-qemu || return 1
	fi
}

# apt-get, its output into the log; on a TTY its progress ("NN%") after the stage line,
# read from its status fd (a file polled while it runs: only the display waits on it).
apt_quiet() {	# apt_quiet WHAT apt-get-args…
	what=$1; shift
	if [ ! -t 2 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@" >>"$log" 2>&1 8>&-
		return
	fi
	st=$(mktemp "${TMPDIR:-/tmp}/hpt-apt.XXXXXX")
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o APT::Status-Fd=3 \
		"$@" 3>"$st" >>"$log" 2>&1 8>&- &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		pct=$(tail -n 1 "$st" | cut -d: -f3)
		printf '\rhotplug-test: %s… %s%%\033[K' "$what" "$(echo "${pct:-0}" | cut -d. -f1)" >&2
		sleep 0.3
	done
	wait "$pid"
	rc=$?
	printf '\r\033[K' >&2
	rm -f "$st"
	return "$rc"
}

find_missing() {
	missing='' n=0
	for p in $pkgs; do
		case " $missing " in *" $p "*) continue ;; esac
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			{ missing="$missing $p"; n=$((n + 1)); }
	done
}
find_missing
# One of us installs at a time (make check runs two test scripts side by side, and two
# `apt-get update`s at once fail on apt's lists lock rather than wait): the second waits,
# then installs only what the first did not. (apt-get gets fd 8 closed: a daemon a
# maintainer script starts must not hold the lock for ever.)
if [ -n "$missing" ] && [ "$(id -u)" -eq 0 ] && exec 8>/var/lib/apt/hotplug-test.lock; then
	flock -w 1800 8 || die "waited 30 min for another install-deps.sh (/var/lib/apt/hotplug-test.lock)"
	find_missing
fi
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		say "missing Debian packages; install them with:"
		echo "  sudo apt-get install --no-install-recommends$missing" >&2
		exit 1
	fi
	mkdir -p "$(dirname "$log")"
	echo "=== $(date -u +%FT%TZ) install-deps: installing$missing" >>"$log"
	# a few are named (a kernel's headers, mmdebstrap), many are counted
	if [ "$n" -le 2 ]; then what=${missing# }; else what="$n Debian packages"; fi
	say "installing $what (log: $log)…"
	# fresh lists: a new machine may have none (mmdebstrap removes them), old ones may
	# name versions the archive no longer serves
	apt_quiet "updating the package lists" update || failed "apt-get update"
	# shellcheck disable=SC2086
	apt_quiet "installing $n Debian packages" install -y --no-install-recommends $missing ||
		failed "apt-get install"
fi
case " $* ${GUEST_ARCHES:-} " in *" host "*) ;; *) exit 0 ;; esac
if ! getent passwd libvirt-qemu >/dev/null || ! getent group libvirt-qemu >/dev/null; then
	if [ "$(id -u)" -ne 0 ]; then
		say "libvirt needs the user and group libvirt-qemu; as root, run $0"
		exit 1
	fi
	mkdir -p "$(dirname "$log")"
	say "creating the libvirt-qemu user and group (as libvirt-daemon-system would)"
	libvirt_user >>"$log" 2>&1 || failed "creating the libvirt-qemu user and group"
fi
exit 0
