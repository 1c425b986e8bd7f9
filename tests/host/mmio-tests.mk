# virtio-mmio: the transport against a simulated register window, through
# the virtio core (the fake transport's kernel stand-ins: log, DMA memory,
# clock); the command line's virtio_mmio.device= parser.
HOST_TESTS += virtio_mmio
test_virtio_mmio_SRCS := tests/host/test_virtio_mmio.c tests/host/virtio_fake.c tests/host/vdev_sim.c \
	drivers/virtio/virtio.c drivers/virtio/virtqueue.c kernel/devfault.c \
	drivers/virtio/virtio_mmio.c drivers/virtio/virtio_mmio_cmdline.c
# Allocation wrappers as the core's tests have them; DMA pages given
# physical addresses a legacy device can take (test_virtio_mmio.c).
test_virtio_mmio_LDFLAGS := -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=dma_alloc_pages

# The DSDT walk for LNRO0005 devices, on the DSDT QEMU's microvm made.
HOST_TESTS += acpi_aml
test_acpi_aml_SRCS := tests/host/test_acpi_aml.c kernel/acpi_aml.c kernel/acpi.c
