/*
 * Character classes of the "C" locale: ASCII, with every byte above 127 in
 * no class. Each test is a range comparison rather than a table lookup, so
 * an argument outside EOF..255 (a plain char that was negative, say) is
 * simply in no class instead of reading outside a table.
 */
#include <ctype.h>

int isupper(int c) { return c >= 'A' && c <= 'Z'; }

int islower(int c) { return c >= 'a' && c <= 'z'; }

int isalpha(int c) { return isupper(c) || islower(c); }

int isdigit(int c) { return c >= '0' && c <= '9'; }

int isalnum(int c) { return isalpha(c) || isdigit(c); }

int isxdigit(int c) { return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

int isblank(int c) { return c == ' ' || c == '\t'; }

/* Space, and \t \n \v \f \r. */
int isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* The C0 controls and DEL. */
int iscntrl(int c) { return (c >= 0 && c < ' ') || c == 0x7f; }

/* Everything from '!' to '~': visible characters. */
int isgraph(int c) { return c > ' ' && c < 0x7f; }

/* The visible characters and space. */
int isprint(int c) { return c >= ' ' && c < 0x7f; }

int ispunct(int c) { return isgraph(c) && !isalnum(c); }

int tolower(int c) { return isupper(c) ? c - 'A' + 'a' : c; }

int toupper(int c) { return islower(c) ? c - 'a' + 'A' : c; }
