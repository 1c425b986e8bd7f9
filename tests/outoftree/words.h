#ifndef OUTOFTREE_WORDS_H
#define OUTOFTREE_WORDS_H

/* The number of runs of non-blank characters in s. */
int count_words(const char *s);

#endif
