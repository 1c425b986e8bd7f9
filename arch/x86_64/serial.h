#ifndef KEEL_SERIAL_H
#define KEEL_SERIAL_H

#include <stddef.h>

/* COM1, the 16550 UART at I/O port 0x3f8: 115200 baud, 8N1, polled. */
void serial_init(void);
void serial_write(const char *s, size_t n);
/* The next byte received, or -1 when none is waiting (polled). */
int serial_read_byte(void);

#endif
