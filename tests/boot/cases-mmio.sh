# virtio-mmio on QEMU's microvm, which has no PCI (tests/boot/t-mmio.sh),
# sourced by cases.sh: each device the kernel drives (rng, console, blk
# under KeelFS, net under apps/echo), over version 1 (QEMU's default) and
# version 2, found from the command line QEMU appends to (acpi=off) and
# from the DSDT (acpi=on: QEMU then appends nothing).
for kind in rng console blk net; do
	for version in legacy modern; do
		for discovery in cmdline acpi; do
			script_test mmio-$kind-$version-$discovery tests/boot/t-mmio.sh $kind $version $discovery
		done
	done
done

# The drivers written beside this transport, once the tree has them: the
# same over MMIO without a change of theirs.
if grep -q virtio-scsi tests/apps/mtest/app.mk; then
	for version in legacy modern; do
		script_test mmio-scsi-$version-acpi tests/boot/t-mmio.sh scsi $version acpi
	done
	script_test mmio-scsi-modern-cmdline tests/boot/t-mmio.sh scsi modern cmdline
else
	skip_test mmio-scsi "mtest has no virtio-scsi driver in this tree"
fi
if grep -q virtio-balloon tests/apps/mtest/app.mk && [ -f tests/boot/balloon_drive.py ]; then
	for version in legacy modern; do
		script_test mmio-balloon-$version-acpi tests/boot/t-mmio.sh balloon $version acpi
	done
	script_test mmio-balloon-modern-cmdline tests/boot/t-mmio.sh balloon modern cmdline
else
	skip_test mmio-balloon "mtest has no virtio-balloon driver in this tree"
fi

MICROVM=(--kernel "$K" --machine microvm --timeout 60)
# Hostile or useless command-line windows are reported and skipped: one
# that does not parse, one where nothing answers, one with no device behind
# it; the real device still works.
boot_test mmio-cmdline-hostile 0 'virtio_mmio.device=oops: no size' \
	'mmio@0xfe000000 \(command line\) holds no virtio magic value; ignored' \
	'mmio@0xfeb00200 \(command line\): no device' 'virtio-rng0: mmio@0xfeb00e00, mmio v1' \
	'ktest: read 65536 random bytes .*: ok' \
	-- "${MICROVM[@]}" --append "debug virtio_mmio.device=512@0xfe000000:5 virtio_mmio.device=oops virtio_mmio.device=512@0xfeb00200:6 -- rng 65536" \
	-- -M microvm,acpi=off -device virtio-rng-device
# A window named by both sources is probed once, as the DSDT describes it.
boot_test mmio-both-sources 0 'virtio-rng0: mmio@0xfeb02c00, .*GSI 46 \(level\)' \
	'virtio-rng1: mmio@0xfeb02e00, .*GSI 47 \(level\)' '!virtio-rng2' 'ktest: read 65536 random bytes .*: ok' \
	-- "${MICROVM[@]}" --append "virtio_mmio.device=512@0xfeb02e00:47 -- rng 65536" \
	-- -device virtio-rng-device -device virtio-rng-device
# Every kind at once, listed like PCI devices, each numbered on its own;
# no I/O APIC from ACPI: the one at the default address.
boot_test mmio-four-kinds 0 'ioapic: no MADT; the I/O APIC at its default address' \
	'virtio-mmio: mmio@0x[0-9a-f]+ GSI [0-9]+ edge: virtio net \(type 1\), version 2' \
	'virtio-mmio: mmio@0x[0-9a-f]+ GSI [0-9]+ edge: virtio blk \(type 2\), version 2' \
	'virtio-mmio: mmio@0x[0-9a-f]+ GSI [0-9]+ edge: virtio console \(type 3\), version 2' \
	'virtio-mmio: mmio@0x[0-9a-f]+ GSI [0-9]+ edge: virtio rng \(type 4\), version 2' \
	'virtio-net0: mmio@' 'virtio-blk0: mmio@' 'virtio-console0: mmio@' 'virtio-rng0: mmio@' \
	'ktest: read 65536 random bytes .*: ok' \
	-- "${MICROVM[@]}" --append "rng 65536" --net user -- -M microvm,acpi=off -global virtio-mmio.force-legacy=false \
	-device virtio-rng-device -drive file=/dev/null,if=none,id=d0,format=raw,readonly=on -device virtio-blk-device,drive=d0 \
	-device virtio-serial-device
