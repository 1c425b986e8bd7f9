# Boot tests of mount(2) and umount2(2), sourced by cases.sh: the errnos and
# a tmpfs mounted and unmounted; a scsi-hd hot-plugged through QMP, found
# and mounted by the application, then unmounted (the image read back on
# the host) or taken out under its I/O (errors, never a hang).
boot_test mount-errors 0 'mtest: mount-errors done, 0 failures' -- --kernel build/mtest.elf --append "mount-errors"
script_test mount-hotplug-umount tests/boot/t-mount-hotplug.sh umount
script_test mount-hotplug-unplug tests/boot/t-mount-hotplug.sh unplug
