# KeelFS (fs/): the filesystem and its disk on a kernel block device.
# Only applications that use files (musl ones, through sys/) need it, so
# it joins the system-call layer's sources; what nothing calls is
# dropped by --gc-sections.
FS_SRCS := \
	fs/crc32c.c \
	fs/kfs_block.c \
	fs/kfs_dir.c \
	fs/kfs_file.c \
	fs/kfs_mount.c \
	fs/kfs_ops.c \
	fs/kfs_fsck.c \
	fs/blkdisk.c
SYS_SRCS += $(FS_SRCS)

# The same sources, without the kernel's disk, for the host tool and tests.
FS_HOST_SRCS := $(filter-out fs/blkdisk.c,$(FS_SRCS))

# The VFS and the filesystems without a disk, for the system-call layer.
SYS_SRCS += fs/vfs.c fs/ramfs.c fs/genfs.c fs/locks.c kernel/genfile.c
