/*
 * Character classes of the "C" locale, the only locale Keel has. The
 * argument is EOF or an unsigned char value; any other int is in no class
 * and is returned unchanged by tolower and toupper.
 */
#ifndef KEEL_LIBC_CTYPE_H
#define KEEL_LIBC_CTYPE_H

int isalnum(int c);
int isalpha(int c);
int isblank(int c);
int iscntrl(int c);
int isdigit(int c);
int isgraph(int c);
int islower(int c);
int isprint(int c);
int ispunct(int c);
int isspace(int c);
int isupper(int c);
int isxdigit(int c);
int tolower(int c);
int toupper(int c);

#endif
