/*
 * KeelFS's on-disk format (fs/FORMAT.md describes it in prose): every
 * structure the kernel and the host tool keelfs read and write, with the
 * sizes and offsets fixed by _Static_assert. Fields are little-endian;
 * Keel runs only on little-endian machines (x86_64), so they are plain
 * integers here and the assertion at the end makes a big-endian build
 * fail instead of writing a different format.
 *
 * Everything is a 4096-byte block. Blocks 0 and 1 hold the two
 * superblocks; every other block is reached from the newest valid one
 * through struct kfs_ptr, which carries the checksum of the block it
 * names.
 */
#ifndef KEEL_FS_KEELFS_FORMAT_H
#define KEEL_FS_KEELFS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define KFS_BLOCK_SIZE 4096u
#define KFS_BLOCK_SHIFT 12
#define KFS_MAGIC UINT64_C(0x31304c4545464b4b) /* "KKFEEL01" read as bytes */
#define KFS_VERSION 1u
#define KFS_SUPER_SLOTS 2u /* blocks 0 and 1 */
#define KFS_MIN_BLOCKS 16u
/* Trees of pointer blocks: 256 pointers per block, at most 6 levels of
 * them above the leaves (2^48 leaves, far past any disk). */
#define KFS_PTRS_PER_BLOCK 256u
#define KFS_PTR_SHIFT 8
#define KFS_MAX_HEIGHT 6u
#define KFS_ROOT_INO 1u

/* A pointer to a block, with the CRC32C of the block's contents seeded
 * with its own number (fs/crc32c.h, kfs_block_crc): a torn, lost or
 * misplaced write of the block no longer matches. block 0 is a hole. */
struct kfs_ptr {
	uint64_t block;
	uint32_t crc;
	uint32_t reserved; /* zero */
};

/* A tree: root and how many levels of pointer blocks lie below it before
 * the leaves (0: root names leaf 0 itself). Leaf i of a tree of height h
 * (i < 256^h) is found by the base-256 digits of i, most significant
 * first. Absent subtrees are holes. */
struct kfs_tree {
	struct kfs_ptr root;
	uint8_t height;
	uint8_t reserved[7];
};

/* The superblock, at the start of block 0 or 1; the rest of the block is
 * zero. Commit number g is written into block g % 2. */
struct kfs_super {
	uint64_t magic;
	uint32_t version;
	uint32_t block_size; /* KFS_BLOCK_SIZE */
	uint64_t block_count;
	uint64_t generation;  /* the commit's number, from 1 */
	uint64_t next_ino;    /* the next inode number to give out; never reused */
	uint64_t root_ino;    /* KFS_ROOT_INO */
	uint64_t orphan_head; /* the first unlinked inode still open (0: none) */
	uint64_t used_blocks; /* bits set in the allocation bitmap */
	uint64_t inode_count; /* inodes in use */
	int64_t commit_time_ns;
	struct kfs_tree inodes; /* the inode table: leaves of 32 struct kfs_inode */
	struct kfs_tree bitmap; /* the allocation bitmap: a bit per block, 32768 per leaf */
	uint8_t uuid[16];
	uint8_t reserved[76];
	uint32_t crc; /* CRC32C of the bytes before it, seeded with the block's number */
};

#define KFS_S_IFMT 0170000u
#define KFS_S_IFDIR 0040000u
#define KFS_S_IFREG 0100000u

/* An inode, at byte ino * 128 of the inode table. A free slot is all
 * zeros. A regular file's tree has data blocks as leaves; a directory's
 * leaves are blocks of struct kfs_dirent. */
struct kfs_inode {
	uint64_t ino; /* its own number (a check), 0 when free */
	uint32_t mode;
	uint32_t nlink;
	uint64_t size;	 /* bytes; a directory's is its blocks' */
	uint64_t blocks; /* blocks of its tree (data and pointers) */
	int64_t atime_ns, mtime_ns, ctime_ns;
	uint64_t orphan_next; /* the next unlinked, open inode, while nlink is 0 */
	uint64_t entries;     /* a directory's entries */
	struct kfs_tree tree;
	uint8_t reserved[32];
};

#define KFS_INODE_SIZE 128u
#define KFS_INODES_PER_BLOCK (KFS_BLOCK_SIZE / KFS_INODE_SIZE)
#define KFS_BITS_PER_BLOCK (KFS_BLOCK_SIZE * 8u)

/* A directory entry. Entries tile each directory block exactly, each
 * rec_len bytes long (a multiple of 4, at least 12): an entry with ino 0
 * is free space. A removed entry is merged into the one before it in its
 * block, or freed when it is the first; a new one is carved from the
 * slack at the end of an entry. Entries never move, so their positions
 * (block * 4096 + offset) serve as readdir's cookies. */
struct __attribute__((packed, aligned(4))) kfs_dirent {
	uint64_t ino;
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t type; /* VFS_DT_REG or VFS_DT_DIR */

	/* name_len bytes of name follow, then padding to rec_len */
};

#define KFS_DIRENT_HEADER 12u
#define KFS_DIRENT_LEN(name_len) ((KFS_DIRENT_HEADER + (name_len) + 3u) & ~3u)

_Static_assert(sizeof(struct kfs_ptr) == 16, "kfs_ptr");
_Static_assert(sizeof(struct kfs_tree) == 24, "kfs_tree");
_Static_assert(offsetof(struct kfs_tree, height) == 16, "kfs_tree.height");
_Static_assert(sizeof(struct kfs_super) == 224, "kfs_super");
_Static_assert(offsetof(struct kfs_super, generation) == 24, "kfs_super.generation");
_Static_assert(offsetof(struct kfs_super, commit_time_ns) == 72, "kfs_super.commit_time_ns");
_Static_assert(offsetof(struct kfs_super, inodes) == 80, "kfs_super.inodes");
_Static_assert(offsetof(struct kfs_super, bitmap) == 104, "kfs_super.bitmap");
_Static_assert(offsetof(struct kfs_super, uuid) == 128, "kfs_super.uuid");
_Static_assert(offsetof(struct kfs_super, crc) == 220, "kfs_super.crc");
_Static_assert(sizeof(struct kfs_inode) == KFS_INODE_SIZE, "kfs_inode");
_Static_assert(offsetof(struct kfs_inode, orphan_next) == 56, "kfs_inode.orphan_next");
_Static_assert(offsetof(struct kfs_inode, entries) == 64, "kfs_inode.entries");
_Static_assert(offsetof(struct kfs_inode, tree) == 72, "kfs_inode.tree");
_Static_assert(sizeof(struct kfs_dirent) == KFS_DIRENT_HEADER, "kfs_dirent");
_Static_assert(offsetof(struct kfs_dirent, rec_len) == 8, "kfs_dirent.rec_len");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "KeelFS's structures are little-endian");

#endif
