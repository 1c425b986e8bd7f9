# Boot tests of virtio-blk disks (tests/boot/t-blk.sh), sourced by cases.sh:
# each interface with and without indirect descriptors, with 512- and
# 4096-byte logical blocks; each interrupt mode; a read-only drive; a write
# error from the host; a disk grown while in use.
for transport in modern legacy; do
	for indirect in on off; do
		for lbs in 512 4096; do
			script_test blk-$transport-ind-$indirect-$lbs tests/boot/t-blk.sh rw $transport $indirect $lbs
		done
	done
done
# Interrupts each way the kernel can take them.
for irq in msix-shared msi intx poll; do
	script_test blk-irq-$irq tests/boot/t-blk.sh rw modern on 512 $irq
done
script_test blk-read-only tests/boot/t-blk.sh ro
script_test blk-write-error tests/boot/t-blk.sh ioerr
script_test blk-resize tests/boot/t-blk.sh resize
