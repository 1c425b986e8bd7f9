# A TCP echo server (bench/net.sh measures round trips through it): the
# same source runs as a Linux program in the Linux guest.
KEEL_DRIVERS := virtio-rng $(filter virtio-net,$(ALL_DRIVERS))
# The network stack (net/), in the images that can have one.
KEEL_NET := yes
