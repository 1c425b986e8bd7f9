# Boot tests of appliances, sourced by cases.sh: applications built from
# outside the tree by tools/keel-build, booted as PVH ELF and ISO.
for mode in sources prebuilt errors; do
	script_test outoftree-$mode tests/boot/t-outoftree.sh $mode
done
# The appliance and run-qemu.sh --libvirt's domain under libvirt's QEMU
# driver, with daemons of the test's own.
script_test libvirt-domains tests/boot/t-libvirt.sh
# run-qemu.sh --gdb and the command it prints: a breakpoint hit, detached.
script_test gdb-attach tests/boot/t-gdb.sh
# run-qemu.sh --net tap=IFNAME, on a tap in a namespace of the test's own.
script_test net-tap-option tests/boot/t-net-tap-option.sh

# The boot log as dmesg and lspci -k show theirs: a line per PCI device
# with the driver bound, after the drivers attached; with the kernel
# option "timestamps", each line stamped with the time since boot.
boot_test log-pci-driver 0 '^pci 00:01\.0 Unclassified device \[00ff\]: .* \[1af4:1005\] \(rev 00\), INTA, MSI-X, driver virtio-rng0$' \
	'^pci 00:02\.0 .*\[1af4:1052\] \(rev 01\), INTA, MSI-X$' '!^\[ ' -- --kernel build/ktest.elf --append "args" \
	--device virtio-rng-pci --device virtio-keyboard-pci
boot_test log-timestamps 0 '^\[ +0\.[0-9]{6}\] cpu: TSC ' '^\[ +[0-9]+\.[0-9]{6}\] pci 00:01\.0 .*, driver virtio-rng0$' \
	'^\[ +[0-9]+\.[0-9]{6}\] keel: main after [0-9]+ us$' '^\[ +[0-9]+\.[0-9]{6}\] keel: exit status 0$' \
	-- --kernel build/ktest.elf --append "timestamps -- args" --device virtio-rng-pci
# The build's summary of each image by part adds up to size(1)'s counts.
script_test image-size tests/boot/t-image-size.sh
# The domains' XML against libvirt's schema, run-qemu.sh --libvirt's
# refusals, and QEMU's command for --net tap= and --gdb.
script_test libvirt-xml tests/boot/t-libvirt-xml.sh
