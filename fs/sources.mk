# KeelFS (fs/): the filesystem, built as it is for the kernel and for the
# host tool and tests (over a disk of their own).
FS_HOST_SRCS := \
	fs/crc32c.c \
	fs/kfs_block.c \
	fs/kfs_dir.c \
	fs/kfs_file.c \
	fs/kfs_mount.c \
	fs/kfs_ops.c \
	fs/kfs_fsck.c \
	fs/kfs_dcache.c
# In the kernel, on a block device (fs/blkdisk.c): with the disks only.
# The Makefile adds SYS_DISK_SRCS to the system-call layer of images
# with a block driver (CLASS_disk); the others never mount a disk.
SYS_DISK_SRCS += $(FS_HOST_SRCS) fs/blkdisk.c fs/kfs_memreport.c fs/kfs_dcache_kernel.c

# The VFS and the filesystems without a disk, for the system-call layer.
SYS_SRCS += fs/vfs.c fs/ramfs.c fs/genfs.c fs/locks.c kernel/genfile.c
