#!/usr/bin/env python3
"""A DNS server of one name for the resolver boot tests: answers NAME with
the A and AAAA records given, every other name with NXDOMAIN, over UDP
(on an IPv4 or an IPv6 ADDRESS).

  dnsstub.py ADDRESS NAME IPV4 IPV6

Runs until killed; prints one line per query it answered.
"""
import socket
import struct
import sys


def main():
    addr, name, v4, v6 = sys.argv[1:5]
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    print("dnsstub: serving %s on %s" % (name, addr), flush=True)
    while True:
        query, peer = s.recvfrom(512)
        if len(query) < 12:
            continue
        qid, flags, qdcount = struct.unpack("!HHH", query[:6])
        if qdcount != 1:
            continue
        labels, i = [], 12
        while i < len(query) and query[i] != 0:
            n = query[i]
            labels.append(query[i + 1:i + 1 + n].decode("ascii", "replace"))
            i += 1 + n
        question_end = i + 5
        if question_end > len(query):
            continue
        qtype, = struct.unpack("!H", query[i + 1:i + 3])
        question = query[12:question_end]
        qname = ".".join(labels).lower()
        answers = []
        if qname == name.lower():
            if qtype == 1:
                answers.append((1, socket.inet_pton(socket.AF_INET, v4)))
            elif qtype == 28:
                answers.append((28, socket.inet_pton(socket.AF_INET6, v6)))
        rcode = 0 if qname == name.lower() else 3
        # A response (QR), recursion desired as asked, available.
        header = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1, len(answers), 0, 0)
        body = b"".join(struct.pack("!HHHIH", 0xC00C, t, 1, 60, len(rd)) + rd for t, rd in answers)
        s.sendto(header + question + body, peer)
        print("dnsstub: %s type %d: %d answers" % (qname, qtype, len(answers)), flush=True)


if __name__ == "__main__":
    main()
