# The file system calls over the VFS, against /tmp and a root in memory:
# every call and its errors (tests/apps/mtest/fsfiles.c).
boot_test musl-files 0 'mtest: files done, 0 failures' '!not implemented' '!FAILED' \
	-- --kernel "$M" --append "files"
# Lua's io and os libraries on /tmp print what they print on Linux.
script_test lua-io tests/boot/t-lua.sh io.lua
