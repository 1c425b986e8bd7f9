/*
 * The 16550 UART on COM1, written by polling. Output is the boot console
 * and the channel every test reads, so it stays as simple as the hardware:
 * wait for room in the transmitter, write a byte.
 */
#include "arch/x86_64/serial.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_SCR 7
#define LSR_DATA_READY 0x01
#define LSR_THRE 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define MCR_DTR_RTS_OUT2 0x0b
#define MCR_LOOP 0x10

/* A transmitter that never empties (a broken or absent UART whose status
 * reads as busy) must not stall the kernel forever. */
#define THRE_SPINS 100000

static bool present;

void serial_init(void)
{
	/* A UART keeps what is written to its scratch register; the bus
	 * without one floats to 0xff. */
	outb(COM1 + REG_SCR, 0x5a);
	if (inb(COM1 + REG_SCR) != 0x5a)
		return;
	outb(COM1 + REG_IER, 0x00);
	outb(COM1 + REG_LCR, LCR_DLAB);
	outb(COM1 + REG_DATA, 1); /* divisor 1: 115200 baud */
	outb(COM1 + REG_IER, 0);
	outb(COM1 + REG_LCR, LCR_8N1);
	outb(COM1 + REG_FCR, 0xc7); /* FIFOs on and cleared, 14-byte threshold */
	outb(COM1 + REG_MCR, MCR_DTR_RTS_OUT2);
	present = true;
}

/* With the FIFOs on, THRE means the transmit FIFO is empty: 16 bytes go
 * in before the status needs reading again. Under emulation every port
 * access is an exit, so this halves the cost of the console. */
#define FIFO_DEPTH 16
static unsigned fifo_room;

static void put_byte(char c)
{
	if (fifo_room == 0) {
		for (int i = 0; i < THRE_SPINS && !(inb(COM1 + REG_LSR) & LSR_THRE); i++)
			cpu_pause();
		fifo_room = FIFO_DEPTH;
	}
	outb(COM1 + REG_DATA, (uint8_t)c);
	fifo_room--;
}

void serial_write(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put_byte('\r');
		put_byte(s[i]);
	}
}

int serial_read_byte(void)
{
	if (!(inb(COM1 + REG_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + REG_DATA);
}
