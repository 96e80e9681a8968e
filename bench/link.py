#!/usr/bin/env python3
"""A point-to-point link between two TUN devices, for a kernel without `tc netem`: every IP
packet written into one device comes out of the other after a fixed DELAY, each direction
sending at most RATE bits/s (a packet leaves when the one before it has been sent at the rate,
so a burst queues as on a real link).

    link.py TUN0 TUN1 DELAY_MS RATE_BIT_S

creates the two TUN devices (bench/mpi_netns.sh then moves them into its namespaces and gives
them addresses and a large MTU) and carries packets until it is killed. Packet k of a direction,
of n bytes, read at time r, leaves at s_k = max(r, s_(k-1) + 8·n_(k-1)/RATE) and arrives at
s_k + 8·n/RATE + DELAY: the serialisation at the rate plus the one-way delay.
"""
import collections
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    names, delay, rate = sys.argv[1:3], float(sys.argv[3]) / 1000, float(sys.argv[4])
    fds = [tun(n) for n in names]
    # Per direction (from device i to device 1 - i): packets on the way, each with its arrival
    # time, and when the link is next free to send.
    queues = [collections.deque(), collections.deque()]
    free = [0.0, 0.0]
    while True:
        now = time.monotonic()
        waits = [q[0][0] - now for q in queues if q]
        timeout = max(0.0, min(waits)) if waits else None
        ready, _, _ = select.select(fds, [], [], timeout)
        now = time.monotonic()
        for i, fd in enumerate(fds):
            if fd in ready:
                try:
                    packet = os.read(fd, 65536)
                except OSError:
                    continue  # the device is not up yet
                wire = 8 * len(packet) / rate
                start = max(now, free[i])
                free[i] = start + wire
                queues[i].append((start + wire + delay, packet))
        for i, q in enumerate(queues):
            while q and q[0][0] <= now:
                _, packet = q.popleft()
                try:
                    os.write(fds[1 - i], packet)
                except OSError:
                    pass  # the other device is down: the packet is lost, as on a cut link


if __name__ == "__main__":
    main()
