/*
 * The 16550 UART on COM1, written by polling. Output is the boot console
 * and the channel every test reads, so it stays as simple as the hardware:
 * wait for room in the transmitter, write a byte.
 */
#include "arch/x86_64/serial.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "kernel/acpi.h"

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_SCR 7
#define IER_RX_DATA 0x01
#define COM1_ISA_IRQ 4
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
	/* The FIFOs are left as the firmware set them: turning them on or
	 * off clears them, and input typed before the kernel started (QEMU
	 * hands it over as soon as the UART can hold it) would be lost.
	 * Without a FIFO the UART holds one byte and the host keeps the
	 * rest until it is read. */
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

void serial_write_raw(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++)
		put_byte(s[i]);
}

int serial_read_byte(void)
{
	if (!(inb(COM1 + REG_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + REG_DATA);
}

/* A UART whose receive interrupt is stuck on with nothing to read must
 * not hold the CPU in its handler: at most this many bytes per interrupt. */
#define RX_BURST 256

static void (*rx_fn)(int c);
static bool (*rx_room)(void);
static bool rx_throttled;

static void on_rx_interrupt(void *ctx)
{
	(void)ctx;
	/* Reading the data register clears the receive interrupt (data
	 * ready and character timeout alike). */
	for (int i = 0; i < RX_BURST && (inb(COM1 + REG_LSR) & LSR_DATA_READY); i++) {
		if (!rx_room()) {
			/* Nowhere to put it: the byte stays in the UART, and the
			 * interrupt is off until serial_rx_resume. */
			rx_throttled = true;
			outb(COM1 + REG_IER, 0);
			return;
		}
		rx_fn(inb(COM1 + REG_DATA));
	}
}

void serial_rx_resume(void)
{
	if (!rx_throttled)
		return;
	bool irq = irq_save();
	rx_throttled = false;
	outb(COM1 + REG_IER, IER_RX_DATA);
	on_rx_interrupt(NULL);
	irq_restore(irq);
}

int serial_enable_rx_interrupt(void (*fn)(int c), bool (*room)(void))
{
	if (!present)
		return -1;
	/* COM1 is ISA IRQ 4: edge-triggered, active high, unless the MADT
	 * overrides it. */
	uint16_t flags;
	uint32_t gsi = acpi_isa_irq_to_gsi(&acpi, COM1_ISA_IRQ, &flags);
	bool level = ((flags >> 2) & 3) == 3, active_low = (flags & 3) == 3;
	rx_fn = fn;
	rx_room = room;
	int v = irq_attach_gsi(gsi, level, active_low, on_rx_interrupt, NULL);
	if (v < 0)
		return v;
	outb(COM1 + REG_IER, IER_RX_DATA);
	/* Bytes that came before the interrupt was on raise none: take them. */
	bool irq = irq_save();
	on_rx_interrupt(NULL);
	irq_restore(irq);
	return 0;
}
