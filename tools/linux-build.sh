#!/usr/bin/env bash
# Builds an application for Linux, statically with Debian's musl, from the
# same sources as its Keel image: the reference the boot tests compare a
# guest's output with, and what the benchmarks' Linux guest runs.
#
#   tools/linux-build.sh NAME...    lua, sqlite3, redis-server, iperf3, iperf2,
#                                   lighttpd, echo-server, sysbench, timeit,
#                                   blkbench, filebench, speedtest1
#
# Writes build/linux/NAME and prints its path. lua and sqlite3 come from
# Debian's source packages (tools/fetch-source.sh); sqlite3 uses the
# amalgamation that `make APP=sqlite3` generates, built first if needed.
# redis-server, iperf3, iperf2 (iperf 2) and lighttpd are the programs their
# images' own builds link for Linux from the very objects the images take
# (apps/redis/app.mk, apps/iperf/app.mk, apps/iperf2/app.mk, apps/httpd/app.mk).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/linux
mkdir -p "$out"
# The code generation of the images' applications (APP_CFLAGS in the
# Makefile: no PIE, the stack protector, frame pointers), so that a
# benchmark's two guests run the same program, not two compilations of it.
CC=(musl-gcc -static -O2 -fno-pie -no-pie -fstack-protector-strong -fno-omit-frame-pointer)

for name in "$@"; do
	bin=$out/$name
	case $name in
	lua)
		src=$(tools/fetch-source.sh lua5.4)/src
		if [ ! -x "$bin" ] || [ -n "$(find "$src" -newer "$bin" -name '*.c' | head -1)" ]; then
			mkdir -p "$out/lua.obj"
			echo '#define DEB_HOST_MULTIARCH "x86_64-linux-musl"' >"$out/lua.obj/lua5.4-deb-multiarch.h"
			"${CC[@]}" -w -DLUA_COMPAT_5_3 -DLUA_USE_POSIX -I"$out/lua.obj" -o "$bin" \
				$(ls "$src"/*.c | grep -v '/luac\.c$')
		fi
		;;
	sqlite3)
		[ -f build/sqlite3/src/sqlite3.c ] || make -s APP=sqlite3 build/sqlite3/src/sqlite3.c >&2
		if [ ! -x "$bin" ] || [ build/sqlite3/src/sqlite3.c -nt "$bin" ]; then
			# The options of apps/sqlite3/app.mk.
			"${CC[@]}" -w -DSQLITE_THREADSAFE=0 -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_OMIT_LOAD_EXTENSION \
				-DSQLITE_OMIT_WAL -DSQLITE_MAX_MMAP_SIZE=0 -DUSE_PREAD -DSQLITE_DEFAULT_MEMSTATUS=0 \
				-Ibuild/sqlite3/src -o "$bin" build/sqlite3/src/sqlite3.c build/sqlite3/src/shell.c
		fi
		;;
	redis-server)
		make -s APP=redis build/redis/tree/src/redis-server >&2
		cp build/redis/tree/src/redis-server "$bin"
		;;
	iperf3)
		make -s APP=iperf build/iperf/obj/src/iperf3 >&2
		cp build/iperf/obj/src/iperf3 "$bin"
		;;
	iperf2)
		make -s APP=iperf2 build/iperf2/obj/iperf >&2
		cp build/iperf2/obj/iperf "$bin"
		;;
	lighttpd)
		make -s APP=httpd build/httpd/tree/src/lighttpd >&2
		cp build/httpd/tree/src/lighttpd "$bin"
		;;
	echo-server) "${CC[@]}" -o "$bin" apps/echo/main.c ;;
	sysbench) "${CC[@]}" -o "$bin" tests/apps/sysbench/main.c ;;
	timeit) "${CC[@]}" -o "$bin" bench/progs/timeit.c ;;
	blkbench) "${CC[@]}" -o "$bin" bench/progs/blkbench.c -lpthread ;;
	filebench) "${CC[@]}" -o "$bin" tests/apps/filebench/main.c ;;
	speedtest1)
		# SQLite's speedtest1 with the options of tests/apps/speedtest1/app.mk.
		[ -f build/sqlite3/src/sqlite3.c ] || make -s APP=sqlite3 build/sqlite3/src/sqlite3.c >&2
		src=$(tools/fetch-source.sh sqlite3)/test/speedtest1.c
		if [ ! -x "$bin" ] || [ build/sqlite3/src/sqlite3.c -nt "$bin" ]; then
			"${CC[@]}" -w -DSQLITE_THREADSAFE=0 -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_OMIT_LOAD_EXTENSION \
				-DSQLITE_OMIT_WAL -DSQLITE_MAX_MMAP_SIZE=0 -DUSE_PREAD -DSQLITE_DEFAULT_MEMSTATUS=0 \
				-Ibuild/sqlite3/src -o "$bin" build/sqlite3/src/sqlite3.c "$src"
		fi
		;;
	*)
		echo "linux-build: no recipe for '$name'" >&2
		exit 2
		;;
	esac
	echo "$bin"
done
