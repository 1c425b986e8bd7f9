# ownmalloc: an application with its own malloc and memcpy, and functions
# named like the kernel's internals: it links and runs only because the
# kernel's symbols are local to it (tools/kernel-exports.txt).
KEEL_DRIVERS :=
