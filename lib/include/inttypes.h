/*
 * printf length modifiers for the <stdint.h> types, and the strto*
 * functions for intmax_t. The macros are for x86_64's LP64 types, where
 * int64_t, intptr_t, intmax_t and the fast 16, 32 and 64-bit types are all
 * long; lib/stdlib.c checks this at compile time.
 */
#ifndef KEEL_LIBC_INTTYPES_H
#define KEEL_LIBC_INTTYPES_H

#include <stdint.h>

/* Narrower types are promoted to int when passed to printf. */
#define KEEL_PRI8 ""
#define KEEL_PRI16 ""
#define KEEL_PRI32 ""
#define KEEL_PRI64 "l"
#define KEEL_PRIFAST8 ""
#define KEEL_PRIFAST "l"
#define KEEL_PRIMAX "l"
#define KEEL_PRIPTR "l"

#define PRId8 KEEL_PRI8 "d"
#define PRId16 KEEL_PRI16 "d"
#define PRId32 KEEL_PRI32 "d"
#define PRId64 KEEL_PRI64 "d"
#define PRIi8 KEEL_PRI8 "i"
#define PRIi16 KEEL_PRI16 "i"
#define PRIi32 KEEL_PRI32 "i"
#define PRIi64 KEEL_PRI64 "i"
#define PRIo8 KEEL_PRI8 "o"
#define PRIo16 KEEL_PRI16 "o"
#define PRIo32 KEEL_PRI32 "o"
#define PRIo64 KEEL_PRI64 "o"
#define PRIu8 KEEL_PRI8 "u"
#define PRIu16 KEEL_PRI16 "u"
#define PRIu32 KEEL_PRI32 "u"
#define PRIu64 KEEL_PRI64 "u"
#define PRIx8 KEEL_PRI8 "x"
#define PRIx16 KEEL_PRI16 "x"
#define PRIx32 KEEL_PRI32 "x"
#define PRIx64 KEEL_PRI64 "x"
#define PRIX8 KEEL_PRI8 "X"
#define PRIX16 KEEL_PRI16 "X"
#define PRIX32 KEEL_PRI32 "X"
#define PRIX64 KEEL_PRI64 "X"

/* The least-width types are the exact-width ones. */
#define PRIdLEAST8 PRId8
#define PRIdLEAST16 PRId16
#define PRIdLEAST32 PRId32
#define PRIdLEAST64 PRId64
#define PRIiLEAST8 PRIi8
#define PRIiLEAST16 PRIi16
#define PRIiLEAST32 PRIi32
#define PRIiLEAST64 PRIi64
#define PRIoLEAST8 PRIo8
#define PRIoLEAST16 PRIo16
#define PRIoLEAST32 PRIo32
#define PRIoLEAST64 PRIo64
#define PRIuLEAST8 PRIu8
#define PRIuLEAST16 PRIu16
#define PRIuLEAST32 PRIu32
#define PRIuLEAST64 PRIu64
#define PRIxLEAST8 PRIx8
#define PRIxLEAST16 PRIx16
#define PRIxLEAST32 PRIx32
#define PRIxLEAST64 PRIx64
#define PRIXLEAST8 PRIX8
#define PRIXLEAST16 PRIX16
#define PRIXLEAST32 PRIX32
#define PRIXLEAST64 PRIX64

/* The fast types: 8 bits is a char, everything wider is a long. */
#define PRIdFAST8 KEEL_PRIFAST8 "d"
#define PRIdFAST16 KEEL_PRIFAST "d"
#define PRIdFAST32 KEEL_PRIFAST "d"
#define PRIdFAST64 KEEL_PRIFAST "d"
#define PRIiFAST8 KEEL_PRIFAST8 "i"
#define PRIiFAST16 KEEL_PRIFAST "i"
#define PRIiFAST32 KEEL_PRIFAST "i"
#define PRIiFAST64 KEEL_PRIFAST "i"
#define PRIoFAST8 KEEL_PRIFAST8 "o"
#define PRIoFAST16 KEEL_PRIFAST "o"
#define PRIoFAST32 KEEL_PRIFAST "o"
#define PRIoFAST64 KEEL_PRIFAST "o"
#define PRIuFAST8 KEEL_PRIFAST8 "u"
#define PRIuFAST16 KEEL_PRIFAST "u"
#define PRIuFAST32 KEEL_PRIFAST "u"
#define PRIuFAST64 KEEL_PRIFAST "u"
#define PRIxFAST8 KEEL_PRIFAST8 "x"
#define PRIxFAST16 KEEL_PRIFAST "x"
#define PRIxFAST32 KEEL_PRIFAST "x"
#define PRIxFAST64 KEEL_PRIFAST "x"
#define PRIXFAST8 KEEL_PRIFAST8 "X"
#define PRIXFAST16 KEEL_PRIFAST "X"
#define PRIXFAST32 KEEL_PRIFAST "X"
#define PRIXFAST64 KEEL_PRIFAST "X"

#define PRIdMAX KEEL_PRIMAX "d"
#define PRIiMAX KEEL_PRIMAX "i"
#define PRIoMAX KEEL_PRIMAX "o"
#define PRIuMAX KEEL_PRIMAX "u"
#define PRIxMAX KEEL_PRIMAX "x"
#define PRIXMAX KEEL_PRIMAX "X"

#define PRIdPTR KEEL_PRIPTR "d"
#define PRIiPTR KEEL_PRIPTR "i"
#define PRIoPTR KEEL_PRIPTR "o"
#define PRIuPTR KEEL_PRIPTR "u"
#define PRIxPTR KEEL_PRIPTR "x"
#define PRIXPTR KEEL_PRIPTR "X"

/* As strtoll and strtoull (see <stdlib.h>), for intmax_t. */
intmax_t strtoimax(const char *restrict s, char **restrict end, int base);
uintmax_t strtoumax(const char *restrict s, char **restrict end, int base);

#endif
