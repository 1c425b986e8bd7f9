# The file system calls over the VFS, against /tmp and a root in memory:
# every call and its errors (tests/apps/mtest/fsfiles.c).
boot_test musl-files 0 'mtest: files done, 0 failures' '!not implemented' '!FAILED' \
	-- --kernel "$M" --append "files"
# Lua's io and os libraries on /tmp print what they print on Linux.
script_test lua-io tests/boot/t-lua.sh io.lua
# KeelFS on a virtio-blk disk at the root: the same calls, then a tree
# the host made read with matching SHA-256 and copied back byte for byte.
script_test fs-disk-files tests/boot/t-fs-disk.sh files
script_test fs-disk-tree tests/boot/t-fs-disk.sh tree
# SQLite's database on KeelFS: 100,000 rows in a transaction, a reboot,
# PRAGMA integrity_check.
script_test fs-sqlite tests/boot/t-fs-sqlite.sh
# An image without a disk driver links no disk code, and root=vda there
# says so and leaves the root in memory.
script_test no-disk-root tests/boot/t-no-disk-root.sh
