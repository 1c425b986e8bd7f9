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
