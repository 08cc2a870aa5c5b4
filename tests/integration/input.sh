#!/bin/bash
# Hostile or broken input (issue #5): command-line values and scenario files that are
# wrong in every way we could think of give a clear message (naming the option or
# file:line), exit 2 and start nothing. No VM needed.
. "$(dirname "$0")/lib.sh"
d=$out/input
mkdir -p "$d"

# err NAME ERE ARGS…: hotplug-test ARGS must exit 2 with ERE in its output
err() { hpt_says "input: $1" 2 "$2" "${@:3}"; }
# scn NAME ERE TEXT: a scenario file with TEXT (printf format) must be refused with ERE
scn() {
	local name=$1 re=$2; shift 2
	printf "$@" >"$d/$name.scn"
	err "$name" "$re" run "$d/$name.scn"
}
good=scenarios/dimm-memmap-off.scn

err "--out with a control character" '--out: control character' run --out "$(printf 'a\nb')" $good
err "--out too long" '--out: path longer than' run --out "/tmp/$(head -c 3100 /dev/zero | tr '\0' x)" $good
err "--connect not a URI" '--connect qemu:/system: not a libvirt URI' run --connect qemu:/system $good
err "--connect with a blank" '--connect: the URI has a blank' run --connect 'qemu:///sys tem' $good
err "--kernel missing" '--kernel /nonexistent/vmlinux: No such file' run --kernel /nonexistent/vmlinux $good
err "--initrd a directory" '--initrd /tmp: not a non-empty regular file' run --initrd /tmp $good
err "--arch twice" 'x86_64 named twice' run --arch x86_64,x86_64 $good
err "--arch list too long" '--arch: list longer' run --arch "$(head -c 200 /dev/zero | tr '\0' x)" $good
many=(); for _ in $(seq 257); do many+=("$good"); done
err "too many scenario files" 'at most 256 at a time' run "${many[@]}"

scn nul 'nul.scn:2: nul byte' 'boot\nsnap\0shot x\n'
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$d/big.scn"
err "file over 1 MiB" 'big.scn: file too big' run "$d/big.scn"
scn longline 'longline.scn:1: line too long' "describe \"%s\"\n" "$(head -c 5000 /dev/zero | tr '\0' x)"
scn words 'words.scn:1: too many words' "boot$(printf ' x=1%.0s' $(seq 70))\n"
scn quote 'quote.scn:2: unterminated quote' 'boot\ndescribe "never closed\n'
scn ctrl 'ctrl.scn:1: control character 0x1b' 'boot cmdline=\033[2J\n'
scn memory 'memory.scn:1: memory=1T: want a size from' 'boot memory=1T\n'
scn slots 'slots.scn:1: slots=999: want a number from 0 to 256' 'boot slots=999\n'
scn cmdline 'cmdline.scn:1: cmdline: value longer than 1023 bytes' "boot cmdline=\"%s\"\n" "$(head -c 1100 /dev/zero | tr '\0' x)"
scn size 'size.scn:2: plug: size=0: want a size from 1M to 1T' 'boot\nplug dimm d0 size=0\n'
scn devname 'devname.scn:2: plug: device name' 'boot\nplug dimm ../../etc size=128M\n'
scn snapname 'snapname.scn:2: snapshot: want one NAME' 'boot\nsnapshot ../x\n'
scn timeout 'timeout.scn:2: timeout=0: want a number from 1 to 3600' 'boot\nunplug d0 timeout=0\n'
scn inject "inject.scn:2: inject: unknown fault 'reboot'" 'boot\ninject reboot\n'
scn injectsize 'injectsize.scn:2: inject: size= goes with pin' 'boot\ninject panic size=1M\n'
# a hostile scenario file name: the run dir is made of a safe form of it, mode 0700
# (the scenario SKIPs on x86_64 before any guest boots)
weird=$'$d/we ird;$(id)\n\x1b[1m.scn'
weird=${weird//'$d'/$d}
printf 'arch s390x\nboot\n' >"$weird"
cp "$weird" "$d/plain.scn"
rm -rf "$d/runs"
hpt run --arch x86_64 --out "$d/runs" "$weird" "$d/plain.scn" >"$d/out" 2>&1
check "input: a hostile file name gives a safe run dir name" \
	bash -c "ls '$d/runs' | grep -Eq '^[0-9]{8}-[0-9]{6}-we_ird_+id_+1m-x86_64\$'"
check "input: run dirs are 0700" \
	bash -c "test \"\$(stat -c %a '$d/runs'/*-plain-x86_64)\" = 700"
check "input: nothing started" no_leftovers
done_testing
