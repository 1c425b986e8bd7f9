#ifndef KEEL_SERIAL_H
#define KEEL_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

/* COM1, the 16550 UART at I/O port 0x3f8: 115200 baud, 8N1; output
 * polled, input polled or by interrupt. */
void serial_init(void);
/* Each newline goes out as CR LF, as a terminal needs. */
void serial_write(const char *s, size_t n);
/* The bytes as they are (a terminal program in raw mode sends its own CR). */
void serial_write_raw(const char *s, size_t n);
/* The next byte received, or -1 when none is waiting (polled). */
int serial_read_byte(void);

/* Receives by interrupt from now on: fn(byte) runs in interrupt context
 * for every byte that arrives. Returns 0, or negative when the port or
 * its interrupt line is missing (input then stays polled). */
int serial_enable_rx_interrupt(void (*fn)(int c), bool (*room)(void));
/* Flow control: when room() says no, the interrupt stops taking bytes
 * and leaves them in the UART, whose host end (QEMU) then holds the rest
 * back; the taker calls this once it has made room again. */
void serial_rx_resume(void);

#endif
