#!/usr/bin/python3
"""Malformed IKEv2 datagrams against a running vtid (RFC 7296 2.5, 2.21).

Run by malformed.sh inside the sender namespace. Each case sends one
datagram to vtid (responder, peer configured for our address) and checks
that vtid answers exactly as the RFC asks, or stays silent. Then a flood of
scapy-fuzzed headers and random bytes, and vtid must still answer.
"""
import os
import socket
import struct
import sys

from scapy.contrib.ikev2 import IKEv2, IKEv2_payload_Notify
from scapy.all import fuzz, raw

VTID = sys.argv[1]
PORT = 500

IKE_SA_INIT, IKE_AUTH = 34, 35
PL_SA, PL_KE, PL_NONCE, PL_NOTIFY, PL_SK = 33, 34, 40, 41, 46
FLAG_I, FLAG_R = 0x08, 0x20
N_UNSUPPORTED_CRITICAL = 1
N_INVALID_MAJOR_VERSION = 5
N_INVALID_SYNTAX = 7
N_NO_PROPOSAL_CHOSEN = 14
N_INVALID_KE_PAYLOAD = 17

sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
sock.bind(("::", PORT))
failures = 0
checked = 0


def payloads(chain):
    """chain: [(type, body, flags)] -> (first type, bytes) with headers."""
    out = b""
    for i, (t, body, flags) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 0
        out += struct.pack("!BBH", nxt, flags, 4 + len(body)) + body
    return (chain[0][0] if chain else 0), out


def header(ispi, first, exch, flags, msgid, length, rspi=b"\0" * 8,
           version=0x20):
    return ispi + rspi + struct.pack("!BBBBII", first, version, exch, flags,
                                     msgid, length)


def message(chain, exch=IKE_SA_INIT, flags=FLAG_I, msgid=0, version=0x20,
            ispi=None, rspi=b"\0" * 8, length_delta=0):
    first, body = payloads(chain)
    ispi = ispi or os.urandom(8)
    return header(ispi, first, exch, flags, msgid,
                  28 + len(body) + length_delta, rspi, version) + body


def transform(ttype, tid, keylen=None, last=False):
    attr = struct.pack("!HH", 0x800E, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attr), ttype,
                       0, tid) + attr


def sa(transforms):
    body = b"".join(transforms)
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(body), 1, 1, 0,
                       len(transforms)) + body
    return (PL_SA, prop, 0)


GCM = [transform(1, 20, 256), transform(2, 6), transform(4, 20, last=True)]
CBC = [transform(1, 12, 128), transform(2, 5), transform(3, 12),
       transform(4, 14, last=True)]


def ke(group, n):
    return (PL_KE, struct.pack("!HH", group, 0) + os.urandom(n), 0)


def nonce(n=32):
    return (PL_NONCE, os.urandom(n), 0)


def exchange(data, wait=1.0):
    """Send, return the first answer or None."""
    sock.settimeout(wait)
    sock.sendto(data, (VTID, PORT))
    try:
        answer, _ = sock.recvfrom(65535)
        return answer
    except socket.timeout:
        return None


def notify_of(answer):
    """The notify type of an IKE_SA_INIT answer, via scapy's dissector."""
    pkt = IKEv2(answer)
    n = pkt.getlayer(IKEv2_payload_Notify)
    return None if n is None else int(n.type)


def case(name, data, expect):
    """expect: None (silence) or a notify type in an IKE_SA_INIT answer."""
    global failures, checked
    checked += 1
    answer = exchange(data, 1.0 if expect is not None else 0.5)
    if expect is None:
        ok = answer is None
        got = "silence" if answer is None else "an answer"
    else:
        got = "silence" if answer is None else "notify %s" % notify_of(answer)
        ok = answer is not None and notify_of(answer) == expect \
            and answer[:8] == data[:8] and answer[19] & FLAG_R
    print("%s: %-46s -> %s" % ("ok" if ok else "FAIL", name, got))
    if not ok:
        failures += 1


good = [sa(GCM), ke(20, 96), nonce()]
case("valid proposals, KE group 19 not 20", message([sa(GCM), ke(19, 64),
     nonce()]), N_INVALID_KE_PAYLOAD)
case("CBC/MODP-2048 only (vtid: GCM/ECP-384!)",
     message([sa(CBC), ke(14, 256), nonce()]), N_NO_PROPOSAL_CHOSEN)
case("KE of group 20 not on the curve (zeros)",
     message([sa(GCM), (PL_KE, struct.pack("!HH", 20, 0) + b"\0" * 96, 0),
              nonce()]), N_INVALID_SYNTAX)
case("KE of group 20 with 95 bytes", message([sa(GCM), ke(20, 95),
     nonce()]), N_INVALID_SYNTAX)
case("unknown critical payload 200",
     message(good + [(200, b"xx", 0x80)]), N_UNSUPPORTED_CRITICAL)
case("version 3.0", message(good, version=0x30), N_INVALID_MAJOR_VERSION)
case("IKEv1 version 1.0", message(good, version=0x10), None)
case("length field 1 too long", message(good, length_delta=1), None)
case("length field 1 too short", message(good, length_delta=-1), None)
case("no KE payload", message([sa(GCM), nonce()]), None)
case("no Nonce payload", message([sa(GCM), ke(20, 96)]), None)
case("nonce of 15 bytes", message([sa(GCM), ke(20, 96), nonce(15)]), None)
case("nonce of 257 bytes", message([sa(GCM), ke(20, 96), nonce(257)]), None)
case("duplicate Nonce", message(good + [nonce()]), None)
case("payload length 3", message(good)[:28 + 2] + b"\0\3" +
     message(good)[32:], None)
case("response flag set", message(good, flags=FLAG_I | FLAG_R), None)
case("initiator flag clear", message(good, flags=0), None)
case("message ID 1", message(good, msgid=1), None)
case("responder SPI set", message(good, rspi=os.urandom(8)), None)
case("zero initiator SPI", message(good, ispi=b"\0" * 8), None)
case("IKE_AUTH for an unknown SA", message([(PL_SK, os.urandom(64), 0)],
     exch=IKE_AUTH, msgid=1, rspi=os.urandom(8)), None)
case("truncated header (27 bytes)", message(good)[:27], None)
case("empty datagram", b"", None)
case("one byte", b"\xff", None)
case("transform count 2 for 3 transforms",
     message([(PL_SA, sa(GCM)[1][:7] + b"\2" + sa(GCM)[1][8:], 0),
              ke(20, 96), nonce()]), None)

# A flood: 1000 scapy-fuzzed IKE headers with random payload bytes, and 1000
# random datagrams, none of which may be answered with anything but a
# notify, or crash vtid.
sock.settimeout(0)
for i in range(1000):
    pkt = raw(fuzz(IKEv2())) + os.urandom(i % 200)
    sock.sendto(pkt, (VTID, PORT))
    sock.sendto(os.urandom(1 + i % 1500), (VTID, PORT))
    try:
        while True:
            sock.recvfrom(65535)
    except (BlockingIOError, socket.timeout):
        pass
print("ok: sent 2000 fuzzed and random datagrams")

# Still healthy: the full IKE_SA_INIT path answers as before.
case("after the flood: KE group 19", message([sa(GCM), ke(19, 64),
     nonce()]), N_INVALID_KE_PAYLOAD)
print("%d passed, %d failed" % (checked - failures, failures))
sys.exit(1 if failures else 0)
