#!/bin/sh
# Fetches and unpacks a Debian source package into build/src/, once.
#
#   tools/fetch-source.sh PACKAGE     prints the unpacked folder's path
#
# Third-party sources are never kept in the repository: they come from
# Debian's source packages, found through a deb-src entry that this script
# adds beside the machine's own (for the same mirrors and suites) when
# there is none, and are unpacked in the ignored build folder. Debian's
# patches are applied by dpkg-source, as Debian builds it.
set -eu
cd "$(dirname "$0")/.."
pkg=${1:?usage: $0 PACKAGE}
dest=build/src
mkdir -p "$dest"

found=$(find "$dest" -maxdepth 2 -name .keel-source -exec grep -lx "$pkg" {} + 2>/dev/null | head -1)
if [ -n "$found" ]; then
	dirname "$found"
	exit 0
fi

as_root() {
	if [ "$(id -u)" = 0 ]; then
		sh -c "$1"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo sh -c "$1"
	else
		echo "keel: run as root: $1" >&2
		exit 1
	fi
}

command -v dpkg-source >/dev/null 2>&1 || as_root "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dpkg-dev" >&2

# A deb-src entry for every deb entry of the machine, in deb822 form.
src_list=/etc/apt/sources.list.d/keel-deb-src.sources
if ! apt-get source --print-uris "$pkg" >/dev/null 2>&1; then
	if [ ! -f "$src_list" ]; then
		tmp=$(mktemp)
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			sed -n 's/^Types:.*\bdeb\b.*/Types: deb-src/p; /^\(URIs\|Suites\|Components\|Signed-By\):/p; /^$/p' "$f"
			echo
		done >"$tmp"
		if [ -f /etc/apt/sources.list ]; then
			grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' >"$tmp.list" || true
		fi
		as_root "cp '$tmp' '$src_list' && chmod 644 '$src_list'" >&2
		[ -s "$tmp.list" ] 2>/dev/null && as_root "cp '$tmp.list' /etc/apt/sources.list.d/keel-deb-src.list" >&2
		rm -f "$tmp" "$tmp.list"
	fi
	as_root "apt-get update" >&2
fi

work=$(mktemp -d "$dest/.fetch.XXXXXX")
# A failed download (a mirror without the package's files) leaves nothing.
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -q "$pkg" >&2)
dir=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
[ -n "$dir" ] || { echo "keel: apt-get source $pkg unpacked nothing" >&2; exit 1; }
name=$(basename "$dir")
rm -rf "${dest:?}/$name"
mv "$dir" "$dest/$name"
echo "$pkg" >"$dest/$name/.keel-source"
rm -rf "$work"
echo "$dest/$name"
