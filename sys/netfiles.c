/*
 * /etc/resolv.conf and /etc/hosts of an image with the network stack:
 * the generated files (kernel/genfile.h) take their text from the
 * network's configuration as it is at each read (net/net.h), so musl's
 * resolver finds the DNS servers DHCP gave and the host's own name.
 * They replace the defaults the file tree registers.
 */
#include "kernel/console.h"
#include "kernel/genfile.h"
#include "kernel/init.h"
#include "net/net.h"

static void net_files_init(void)
{
	if (genfile_register("/etc/resolv.conf", net_resolv_conf_text, false) ||
	    genfile_register("/etc/hosts", net_hosts_text, false))
		kwarn("net: cannot register /etc/resolv.conf and /etc/hosts\n");
}
INIT_CALL(INIT_LATE, net_files_init);
