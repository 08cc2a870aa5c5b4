#!/bin/sh
# extract-vmlinux.sh BZIMAGE OUT: writes the uncompressed ELF vmlinux inside a bzImage.
# x86_64 guests boot it directly through its PVH entry note: under TCG that skips the
# real-mode setup and the in-guest decompression (~3 s of every boot).
set -eu
in=$1 out=$2
try() {	# try MAGIC DECOMPRESSOR…
	magic=$1; shift
	for off in $(LC_ALL=C grep -obUaP "$magic" "$in" 2>/dev/null | cut -d: -f1 | head -4); do
		tail -c +$((off + 1)) "$in" 2>/dev/null | "$@" > "$out.tmp" 2>/dev/null || true
		if [ "$(head -c 4 "$out.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			mv "$out.tmp" "$out"
			return 0
		fi
	done
	return 1
}
try '\xfd7zXZ\x00' xz -dc --single-stream ||
try '\x1f\x8b\x08' gzip -dc ||
try '\x28\xb5\x2f\xfd' zstd -dcq ||
{ rm -f "$out.tmp"; echo "extract-vmlinux: no ELF kernel found in $in" >&2; exit 1; }
