#!/bin/bash
# A libvirtd of its own, as a remote libvirt host stands in for on one machine: its config,
# run, state, cache and log dirs under DIR, its socket DIR/run/libvirt-sock, in a private
# mount namespace where /work and /tmp are empty, so nothing of ours reaches its QEMUs
# except through libvirt (the storage pool, the streams): a path that leaked would not
# open. Needs root (the daemon runs privileged: QEMU as root, no security driver).
#   libvirtd-sandbox.sh start DIR   starts it, waits until it answers; prints its URI
#   libvirtd-sandbox.sh pid DIR     the daemon's pid (empty when it is not running)
#   libvirtd-sandbox.sh qemus DIR   the pids of the QEMUs it started (still running)
#   libvirtd-sandbox.sh stop DIR    stops the daemon and kills its QEMUs (a daemon that
#                                   died leaves them running: this reaps them), waits
# Used by tests/integration/scale.sh; doc/scale.md shows it by hand.
set -u
cmd=${1:-} dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 start|pid|qemus|stop DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/../.." && pwd)
caps=$top/.cache/libvirtd-sandbox-caps

uri() { echo "qemu+unix:///system?socket=$dir/run/libvirt-sock"; }
daemon_pid() { cat "$dir/run/libvirtd.pid" 2>/dev/null | grep -E '^[0-9]+$' | while read -r p; do kill -0 "$p" 2>/dev/null && echo "$p"; done; }
# QEMUs of this daemon: libvirt's pid files under its run dir (DIR/run/qemu/*.pid)
qemus() {
	local f p
	for f in "$dir"/run/qemu/*.pid; do
		[ -e "$f" ] || continue
		p=$(cat "$f" 2>/dev/null)
		[[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null && echo "$p"
	done
}

start() {
	[ "$(id -u)" = 0 ] || { echo "libvirtd-sandbox: needs root" >&2; return 2; }
	mkdir -p "$dir"/{etc,run,lib,cache/qemu/capabilities,log} || return 2
	cat >"$dir/etc/libvirtd.conf" <<-EOF
		unix_sock_group = "root"
		unix_sock_rw_perms = "0700"
		auth_unix_rw = "none"
		auth_unix_ro = "none"
		log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
	EOF
	cat >"$dir/etc/qemu.conf" <<-EOF
		user = "root"
		group = "root"
		dynamic_ownership = 0
		security_driver = "none"
		stdio_handler = "file"
	EOF
	# QEMU's capabilities as an earlier sandbox daemon probed them (it re-validates
	# them): probing every emulator afresh costs a minute on a loaded machine
	cp "$caps"/*.xml "$dir/cache/qemu/capabilities/" 2>/dev/null
	# the namespace: libvirt's fixed paths point into DIR; /work and /tmp are empty
	unshare -m --propagation private sh -c '
		set -e
		d=$1
		for v in lib cache log; do
			mount -t tmpfs tmpfs /var/$v
			mkdir /var/$v/libvirt
			mount --bind "$d/$v" /var/$v/libvirt
		done
		mount --bind "$d/etc" /etc/libvirt
		mkdir -p /run/libvirt
		mount --bind "$d/run" /run/libvirt
		mount -t tmpfs tmpfs /work
		mount -t tmpfs tmpfs /tmp
		exec libvirtd -f /etc/libvirt/libvirtd.conf -p /run/libvirt/libvirtd.pid
	' sandbox "$dir" >"$dir/daemon.out" 2>&1 </dev/null &
	# until it answers (a deadline, not a sleep)
	local end=$((SECONDS + 120 * ${HPT_TIMEOUT_SCALE:-1}))
	while [ "$SECONDS" -lt "$end" ]; do
		if [ -S "$dir/run/libvirt-sock" ] && virsh -q -c "$(uri)" version >/dev/null 2>&1; then
			uri
			return 0
		fi
		kill -0 $! 2>/dev/null || break
		sleep 0.2
	done
	echo "libvirtd-sandbox: the daemon did not answer: $(tail -n 5 "$dir/daemon.out" "$dir/log/libvirtd.log" 2>/dev/null)" >&2
	stop
	return 1
}

stop() {
	local p q end
	mkdir -p "$caps" && cp "$dir"/cache/qemu/capabilities/*.xml "$caps"/ 2>/dev/null
	p=$(daemon_pid)
	[ -z "$p" ] || kill "$p"
	q=$(qemus)
	[ -z "$q" ] || kill -9 $q
	end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ] && { [ -n "$(daemon_pid)" ] || [ -n "$(qemus)" ]; }; do
		sleep 0.1
	done
	[ -z "$(daemon_pid)" ] && [ -z "$(qemus)" ]
}

case $cmd in
start) start ;;
pid) daemon_pid ;;
qemus) qemus ;;
stop) stop ;;
*) echo "usage: $0 start|pid|qemus|stop DIR" >&2; exit 2 ;;
esac
