/*
 * The console's input: what is typed on the serial port (by its receive
 * interrupt, or polled) or arrives from a virtio console's port, queued
 * for the terminal (sys/console.c) to read. An image whose app.mk sets
 * KEEL_CONSOLE_INPUT := no leaves it out, with the terminal: its serial
 * port then only writes.
 */
#include "kernel/console.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "kernel/init.h"
#include "kernel/option.h"

/* Input: the serial port's receive interrupt fills a ring that
 * console_getc empties; without the interrupt, console_getc polls the port. */
#define INPUT_RING 4096
static volatile uint8_t input_ring[INPUT_RING];
static volatile unsigned input_head, input_len;
static volatile bool input_by_irq;
static void (*input_notify)(void);
unsigned long console_input_dropped;

static void input_byte(uint8_t c)
{
	if (input_len == INPUT_RING) {
		console_input_dropped++;
		return;
	}
	input_ring[(input_head + input_len) % INPUT_RING] = c;
	input_len++;
}

/* Whether the ring takes another byte: else the UART keeps it. */
static bool input_room(void) { return input_len < INPUT_RING; }

static void on_serial_byte(int c)
{
	input_byte((uint8_t)c);
	if (input_notify)
		input_notify();
}

void console_input(const void *s, size_t n)
{
	bool irq = irq_save();
	for (size_t i = 0; i < n; i++)
		input_byte(((const uint8_t *)s)[i]);
	if (n && input_notify)
		input_notify();
	irq_restore(irq);
}

int console_getc(void)
{
	bool irq = irq_save();
	int c = -1;
	if (input_len > 0) {
		c = input_ring[input_head];
		input_head = (input_head + 1) % INPUT_RING;
		input_len--;
		if (input_by_irq)
			serial_rx_resume(); /* room again for what the UART holds */
	} else if (!input_by_irq) {
		c = serial_read_byte();
	}
	irq_restore(irq);
	return c;
}

void console_set_input_notify(void (*fn)(void)) { input_notify = fn; }

bool console_input_by_interrupt(void) { return input_by_irq; }

void console_poll_input(void)
{
	if (input_by_irq)
		return;
	bool irq = irq_save();
	bool any = false;
	int c;
	while (input_len < INPUT_RING && (c = serial_read_byte()) >= 0) {
		input_byte((uint8_t)c);
		any = true;
	}
	if (any && input_notify)
		input_notify();
	irq_restore(irq);
}

/* "serial-polled": no receive interrupt, input polled (the fallback for a
 * UART without a working interrupt line, and its test). */
static bool serial_polled;
static void set_serial_polled(const char *value) { serial_polled = true; }
KERNEL_OPTION("serial-polled", set_serial_polled);

static void console_input_init(void)
{
	input_by_irq = !serial_polled && serial_enable_rx_interrupt(on_serial_byte, input_room) == 0;
}
INIT_CALL(INIT_CORE, console_input_init);
