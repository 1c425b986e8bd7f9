/* Registers across system calls (registers.c). */
int test_registers(void);
