# The VFS and the filesystems without a disk, for the system-call layer.
SYS_SRCS += fs/vfs.c fs/ramfs.c fs/genfs.c fs/locks.c kernel/genfile.c
