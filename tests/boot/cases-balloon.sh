# virtio-balloon boot tests, driven through QMP (tests/boot/balloon_drive.py):
# half the memory into the balloon and back while the echo server answers,
# a target past all memory held at the floor, the guest's statistics in
# QEMU's guest-stats; with deflate-on-oom an application allocating past
# the free memory while the balloon is inflated, and without it the same
# allocations failing.
script_test balloon-serve tests/boot/t-balloon-serve.sh
script_test balloon-serve-legacy tests/boot/t-balloon-serve.sh disable-modern=on
script_test balloon-oom tests/boot/t-balloon-oom.sh on
script_test balloon-no-oom tests/boot/t-balloon-oom.sh off
