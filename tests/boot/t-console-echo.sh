#!/usr/bin/env bash
# Bytes written by the host into a named virtio-console port (a chardev
# socket) come back echoed by the guest, exactly.
#   t-console-echo.sh MACHINE "VIRTIO-SERIAL OPTIONS" [BYTES] [KERNEL OPTIONS]
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
machine=$1 opts=$2 bytes=${3:-65536} kopts=${4:-}
sock=$tmp/echo.sock

./run-qemu.sh --kernel "$KTEST" --accel tcg --machine "$machine" --timeout 90 \
	--append "$kopts -- console-echo keel.echo $bytes" \
	--device "virtio-serial-pci${opts:+,$opts}" \
	-- -chardev "socket,id=echo,path=$sock,server=on,wait=off" -device virtserialport,chardev=echo,name=keel.echo \
	</dev/null >"$tmp/out" 2>&1 &
qemu=$!
build/host/tools/sockecho "$sock" "$bytes"
client=$?
wait $qemu
rc=$?
cat "$tmp/out"
[ $client = 0 ] || fail "the host did not get its bytes back"
[ $rc = 0 ] || fail "the guest exited with $rc"
grep -q "ktest: echoed $bytes bytes" "$tmp/out" || fail "the guest did not report the echo"
grep -Eq 'virtio-console0: .*(MSI-X|MSI|INTx|polling)' "$tmp/out" || fail "no interrupt mode reported"
echo PASS
