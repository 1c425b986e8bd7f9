/*
 * Forced into every lib/ source built for the host tests (-include, see
 * lib.mk): gives each public name of Keel's C library a keel_ prefix, so
 * the library links into a test program next to glibc, whose functions
 * the tests compare it with. The library's calls to the kernel (malloc,
 * free) are renamed too; the tests provide those.
 */
#ifndef KEEL_TEST_LIB_RENAME_H
#define KEEL_TEST_LIB_RENAME_H

/* string.h */
#define memcpy keel_memcpy
#define memmove keel_memmove
#define memset keel_memset
#define memcmp keel_memcmp
#define memchr keel_memchr
#define strlen keel_strlen
#define strnlen keel_strnlen
#define strcmp keel_strcmp
#define strncmp keel_strncmp
#define strcasecmp keel_strcasecmp
#define strncasecmp keel_strncasecmp
#define strcpy keel_strcpy
#define strncpy keel_strncpy
#define strcat keel_strcat
#define strncat keel_strncat
#define strlcpy keel_strlcpy
#define strlcat keel_strlcat
#define strchr keel_strchr
#define strrchr keel_strrchr
#define strstr keel_strstr
#define strspn keel_strspn
#define strcspn keel_strcspn
#define strpbrk keel_strpbrk
#define strtok_r keel_strtok_r
#define strdup keel_strdup
#define strndup keel_strndup
#define strerror keel_strerror

/* ctype.h */
#define isalnum keel_isalnum
#define isalpha keel_isalpha
#define isblank keel_isblank
#define iscntrl keel_iscntrl
#define isdigit keel_isdigit
#define isgraph keel_isgraph
#define islower keel_islower
#define isprint keel_isprint
#define ispunct keel_ispunct
#define isspace keel_isspace
#define isupper keel_isupper
#define isxdigit keel_isxdigit
#define tolower keel_tolower
#define toupper keel_toupper

/* stdlib.h and inttypes.h */
#define strtol keel_strtol
#define strtoul keel_strtoul
#define strtoll keel_strtoll
#define strtoull keel_strtoull
#define strtoimax keel_strtoimax
#define strtoumax keel_strtoumax
#define atoi keel_atoi
#define atol keel_atol
#define atoll keel_atoll
#define abs keel_abs
#define labs keel_labs
#define llabs keel_llabs
#define qsort keel_qsort
#define bsearch keel_bsearch
#define malloc keel_malloc
#define calloc keel_calloc
#define realloc keel_realloc
#define free keel_free
#define aligned_alloc keel_aligned_alloc
#define posix_memalign keel_posix_memalign
#define exit keel_exit
#define abort keel_abort
#define getenv keel_getenv

/* stdio.h */
#define snprintf keel_snprintf
#define vsnprintf keel_vsnprintf
#define sprintf keel_sprintf
#define vsprintf keel_vsprintf
#define printf keel_printf
#define vprintf keel_vprintf
#define fprintf keel_fprintf
#define vfprintf keel_vfprintf
#define puts keel_puts
#define putchar keel_putchar
#define fputs keel_fputs
#define fputc keel_fputc
#define fwrite keel_fwrite
#define fflush keel_fflush
#define stdout keel_stdout
#define stderr keel_stderr

/* errno.h and assert.h */
#define __errno_location keel___errno_location
#define __assert_fail keel___assert_fail

#endif
