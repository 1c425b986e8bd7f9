# Boot tests of appliances, sourced by cases.sh: applications built from
# outside the tree by tools/keel-build, booted as PVH ELF and ISO.
for mode in sources prebuilt errors; do
	script_test outoftree-$mode tests/boot/t-outoftree.sh $mode
done
