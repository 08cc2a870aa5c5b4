#!/bin/sh
# Installs the Debian packages hotplug-test needs for the host controller and the guest
# arches in $GUEST_ARCHES (default x86_64). As root with packages missing: apt-get
# install. Otherwise: prints the exact command and fails.
# $EXTRA_PKGS adds packages: make fuzz passes "clang-14 libclang-rt-14-dev" (libFuzzer),
# make sanitize "valgrind cpio" (tests/fuzz/fuzz.mk, tests/sanitizers/sanitizers.mk).
# Also makes libvirt's QEMU user and group, as libvirt-daemon-system's postinst would.
set -u
arches=${GUEST_ARCHES:-x86_64}
pkgs="gcc make pkg-config libc6-dev libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu
      libxml2-utils kmod passwd
      busybox-static cpio gzip xz-utils"
for a in $arches; do
	case $a in
	x86_64) pkgs="$pkgs qemu-system-x86" ;;
	ppc64le) pkgs="$pkgs qemu-system-ppc gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross" ;;
	s390x) pkgs="$pkgs qemu-system-misc gcc-s390x-linux-gnu libc6-dev-s390x-cross" ;;
	*) echo "install-deps: unknown arch $a" >&2; exit 2 ;;
	esac
done
for p in ${EXTRA_PKGS:-}; do pkgs="$pkgs $p"; done

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

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "hotplug-test: missing Debian packages; install them with:" >&2
		echo "  sudo apt-get install --no-install-recommends$missing" >&2
		exit 1
	fi
	echo "hotplug-test: installing$missing" >&2
	apt-get update -qq >&2 || exit 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2 ||
		exit 1
fi
if ! getent passwd libvirt-qemu >/dev/null || ! getent group libvirt-qemu >/dev/null; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "hotplug-test: libvirt needs the user and group libvirt-qemu; as root, install" \
			"libvirt-daemon-system or run $0" >&2
		exit 1
	fi
	libvirt_user || { echo "hotplug-test: cannot create the libvirt-qemu user and group" >&2; exit 1; }
fi
exit 0
