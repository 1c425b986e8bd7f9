#!/usr/bin/env bash
# run-qemu.sh --gdb: QEMU waits with its gdb stub, run-qemu.sh prints the
# gdb command that attaches with the image's symbols; that very command,
# in batch mode, sets a breakpoint on a kernel function (kernel_exit, on the
# way out after main), continues, must see it hit with the function's
# source line and its argument, and detaches; the VM then ends as usual.
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
command -v gdb >/dev/null || fail "gdb is missing (tools/install-deps.sh test installs it)"

port=$((20000 + RANDOM % 20000))
./run-qemu.sh --kernel build/hello.elf --accel tcg --timeout 120 --gdb=$port --append "one two" \
	>"$tmp/vm.log" 2>"$tmp/run.err" &
vm=$!
wait_for_line "$tmp/run.err" "^  gdb .* -ex 'target remote :$port'$" 10 || { cat "$tmp/run.err"; fail "no gdb command printed"; }
line=$(sed -n "s/^  \(gdb .*\)$/\1/p" "$tmp/run.err")
eval "cmd=($line)"
[ "${cmd[1]}" = build/hello.elf ] || fail "the command does not name the image with symbols: $line"
# The line as printed, with batch mode and the breakpoint added after it.
timeout 90 "${cmd[@]}" -batch -nx -ex 'hbreak kernel_exit' -ex continue -ex 'bt 1' -ex detach >"$tmp/gdb.log" 2>&1
cat "$tmp/gdb.log"
grep -Eq '^Breakpoint 1, kernel_exit \(status=(status@entry=)?0\) at kernel/exit\.c:[0-9]+' "$tmp/gdb.log" ||
	fail "the breakpoint on kernel_exit was not hit with its symbols"
grep -q 'Detaching from program\|detached' "$tmp/gdb.log" || fail "gdb did not detach"
wait $vm
rc=$?
grep -q 'argv\[2\] = "two"' "$tmp/vm.log" || fail "main did not run"
[ $rc = 0 ] || fail "the VM ended with status $rc after gdb detached"
echo "PASS: gdb attached with the printed command, stopped in kernel_exit, detached; the VM exited 0"
