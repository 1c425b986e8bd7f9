#include "arch/x86_64/msi.h"

#define MSI_ADDRESS_BASE 0xfee00000u
#define MSI_DEST_SHIFT 12

bool msi_compose(uint32_t dest_apic, uint8_t vector, struct msi_msg *msg)
{
	if (dest_apic > 0xff || vector < 0x10)
		return false;
	/* Address: 0xfee, destination ID in bits 19:12, redirection hint
	 * (bit 3) and destination mode (bit 2) clear: physical, exactly
	 * this APIC. Data: the vector, delivery mode fixed (bits 10:8 = 0),
	 * edge (bit 15 = 0), level bit ignored for edge. */
	msg->address = MSI_ADDRESS_BASE | (dest_apic << MSI_DEST_SHIFT);
	msg->data = vector;
	return true;
}
