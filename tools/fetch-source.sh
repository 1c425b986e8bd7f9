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

# Debian's releases, oldest first: the fallback below asks those before
# the machine's own.
releases="buster bullseye bookworm trixie forky"
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")

# One earlier release $1: its index fetched once into build/apt/$1.
try_release() {
	apt_dir=$PWD/build/apt/$1
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $1 main" >"$apt_dir/sources.list"
	set -- -q -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o Debug::NoLocking=1
	if ! cmp -s "$apt_dir/sources.list" "$apt_dir/lists/.keel-sources" 2>/dev/null; then
		# A release gone from the mirror (moved to Debian's archive) is passed over.
		apt-get "$@" update >&2 || return 1
		cp "$apt_dir/sources.list" "$apt_dir/lists/.keel-sources"
	fi
	for version in $(apt-cache "$@" showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -Vru); do
		echo "keel: trying $pkg $version of an earlier Debian release" >&2
		rm -rf "${work:?}"/*
		(cd "$work" && apt-get "$@" source "$pkg=$version" >&2) && return 0
		rm -rf "${work:?}"/*
		(cd "$work" && apt-get "$@" source --tar-only "$pkg=$version" >&2 &&
			apt-get "$@" source --diff-only "$pkg=$version" >&2) || continue
		orig=$(find "$work" -maxdepth 1 -name "${pkg}_*.orig.tar.*" | head -1)
		deb=$(find "$work" -maxdepth 1 -name "${pkg}_*.debian.tar.*" | head -1)
		[ -n "$orig" ] && [ -n "$deb" ] || continue
		upstream=${version#*:}
		upstream=${upstream%-*}
		mkdir "$work/unpack"
		tar -xf "$orig" -C "$work/unpack" || continue
		top=$(find "$work/unpack" -mindepth 1 -maxdepth 1)
		[ "$(echo "$top" | wc -l)" = 1 ] && [ -d "$top" ] || continue
		mv "$top" "$work/$pkg-$upstream"
		rm -rf "$work/unpack"
		tar -xf "$deb" -C "$work/$pkg-$upstream" || continue
		grep -qx '3.0 (quilt)' "$work/$pkg-$upstream/debian/source/format" 2>/dev/null || continue
		(cd "$work" && dpkg-source --before-build "$pkg-$upstream" >&2) || continue
		rm -f "$orig" "$deb"
		return 0
	done
	return 1
}

# The source of an earlier Debian release, for a mirror that lacks the
# files of the machine's own version (seen: iperf3 3.12's original tarball
# answers 404 while 3.9's, bullseye's, is there). The earlier suites are
# listed in an apt configuration of the build's own (build/apt), so the
# machine's is not touched; apt checks every file it fetches against the
# suite's index, signed by Debian's archive key. Where the suite's .dsc is
# missing too, the original and Debian tarballs are fetched alone and put
# together as dpkg-source -x does for the 3.0 (quilt) format: the upstream
# tree, debian/ over it, and Debian's patches applied by dpkg-source.
from_earlier_release() {
	[ -n "$codename" ] || return 1
	earlier=
	for r in $releases; do
		[ "$r" = "$codename" ] && break
		earlier="$r $earlier"
	done
	[ -n "$earlier" ] || return 1
	mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Identifier: Sources' 2>/dev/null | grep -m1 '/debian/$' ||
		echo http://deb.debian.org/debian/)
	for r in $earlier; do
		try_release "$r" && return 0
	done
	return 1
}

work=$(mktemp -d "$dest/.fetch.XXXXXX")
# A failed download (a mirror without the package's files) leaves nothing.
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get source -q "$pkg" >&2); then
	echo "keel: $pkg cannot be fetched for $codename; asking Debian's earlier releases" >&2
	from_earlier_release || { echo "keel: no Debian release's $pkg could be fetched" >&2; exit 1; }
fi
dir=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
[ -n "$dir" ] || { echo "keel: apt-get source $pkg unpacked nothing" >&2; exit 1; }
name=$(basename "$dir")
rm -rf "${dest:?}/$name"
mv "$dir" "$dest/$name"
echo "$pkg" >"$dest/$name/.keel-source"
rm -rf "$work"
echo "$dest/$name"
