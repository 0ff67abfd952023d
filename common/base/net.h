/* net.h: client addresses and networks. */
#ifndef EDGESCOUT_NET_H
#define EDGESCOUT_NET_H

/* 1 when addr (text IPv4 or IPv6; IPv4-mapped IPv6 counts as IPv4) is inside
 * one of the comma-separated networks in list ("127.0.0.0/8,::1/128", a bare
 * address means all its bits); NULL or malformed entries never match. */
int net_addr_allowed(const char *addr, const char *list);

#endif
