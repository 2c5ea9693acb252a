#!/usr/bin/env python3
"""The abuses of issue 13 ("Survive hostile clients") as a load for bench/abuse.sh: one abuse, against one
node on loopback, for a given time, then it stops by itself. Each abuser that the node cuts off comes back (a
new connection), so the abuse lasts the whole run. Standard library only.

    bench/abuse.py MODE PORT SECONDS
    MODE: pings | pipelined | topics | publish | deflate | logins | halfmsg

Prints one line: what it did, and how often the node cut it off.
"""
import socket
import struct
import sys
import threading
import time
import zlib

HOST = "127.0.0.1"
UPGRADE = ("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n")


def frame(first_byte, payload):
    """A client frame, masked with a zero mask."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", first_byte, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", first_byte, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", first_byte, 0x80 | 127, n)
    return head + b"\0\0\0\0" + payload


def text(s):
    return frame(0x81, s.encode())


PONG = frame(0x8A, b"")


def connect(port, rcvbuf=0, path="/", extra=""):
    """A WebSocket after its upgrade; a small rcvbuf makes a client that does not read fill up at once."""
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(30)
    s.connect((HOST, port))
    s.sendall(UPGRADE.format(path=path, extra=extra).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise ConnectionError("closed during the upgrade")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(head.split(b"\r\n")[0].decode())
    return s


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.cut_off = 0

    def add(self, sent=0, cut_off=0):
        with self.lock:
            self.sent += sent
            self.cut_off += cut_off


def flood(port, deadline, stats, payload, rcvbuf=4096, extra=""):
    """Writes payload over and over without reading; reconnects each time the node closes the socket."""
    while time.time() < deadline:
        try:
            s = connect(port, rcvbuf, extra=extra)
            s.settimeout(1)
            while time.time() < deadline:
                try:
                    s.sendall(payload)
                    stats.add(sent=len(payload))
                except socket.timeout:
                    continue  # throttled: the node is not reading us
        except (OSError, ConnectionError):
            stats.add(cut_off=1)
            time.sleep(0.05)
        finally:
            try:
                s.close()
            except (OSError, UnboundLocalError):
                pass


def pipelined(port, deadline, stats):
    requests = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" * 10000
    while time.time() < deadline:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(1)
        try:
            s.connect((HOST, port))
            while time.time() < deadline:
                try:
                    s.sendall(requests)
                    stats.add(sent=len(requests))
                except socket.timeout:
                    continue
        except OSError:
            stats.add(cut_off=1)
            time.sleep(0.05)
        finally:
            s.close()


def hold_many(port, deadline, stats, count, first_messages, rcvbuf=0):
    """count connections (opened by four threads), each sending first_messages(i) once, then a pong every 10 s
    (alive, never reading)."""
    socks = []
    lock = threading.Lock()

    def opener(start):
        for i in range(start, count, 4):
            if time.time() >= deadline:
                return
            try:
                s = connect(port, rcvbuf)
                s.sendall(first_messages(i))
                stats.add(sent=1)
                with lock:
                    socks.append(s)
            except (OSError, ConnectionError):
                stats.add(cut_off=1)
    openers = [threading.Thread(target=opener, args=(k,), daemon=True) for k in range(4)]
    for t in openers:
        t.start()
    for t in openers:
        t.join()
    while time.time() < deadline:
        time.sleep(min(10, max(0, deadline - time.time())))
        alive = []
        for s in socks:
            try:
                s.setblocking(False)
                s.send(PONG)
                alive.append(s)
            except BlockingIOError:
                alive.append(s)
            except OSError:
                stats.add(cut_off=1)
                s.close()
        socks = alive
    for s in socks:
        s.close()


def publish(port, deadline, stats):
    """Ten readers on a topic (they read), one publisher far over its budget."""
    readers = []
    for _ in range(10):
        r = connect(port)
        r.sendall(text('{"type":"subscribe","topics":["flooded"]}'))
        readers.append(r)

    def drain(r):
        r.settimeout(1)
        while time.time() < deadline:
            try:
                if not r.recv(65536):
                    return
            except socket.timeout:
                pass
            except OSError:
                return
    threads = [threading.Thread(target=drain, args=(r,), daemon=True) for r in readers]
    for t in threads:
        t.start()
    burst = text('{"type":"publish","topic":"flooded","data":"' + "x" * 4000 + '"}') * 50
    flood(port, deadline, stats, burst, rcvbuf=0)
    for r in readers:
        r.close()


def main():
    mode, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    deadline = time.time() + seconds
    stats = Stats()
    if mode == "pings":
        flood(port, deadline, stats, frame(0x89, b"\0" * 125) * 1000)
    elif mode == "pipelined":
        pipelined(port, deadline, stats)
    elif mode == "topics":
        def subscribe(i):
            topics = ",".join('"%05d-%02d-%s"' % (i, t, "t" * 1015) for t in range(60))
            return text('{"type":"subscribe","topics":[' + topics + ']}')
        hold_many(port, deadline, stats, 400, subscribe)
    elif mode == "publish":
        publish(port, deadline, stats)
    elif mode == "deflate":
        z = zlib.compressobj(9, zlib.DEFLATED, -15)
        bomb = (z.compress(b"\0" * (60 * 1024 * 1024)) + z.flush(zlib.Z_SYNC_FLUSH))[:-4]
        threads = [threading.Thread(target=flood, daemon=True,
                                    args=(port, deadline, stats, frame(0xC1, bomb), 0,
                                          "Sec-WebSocket-Extensions: permessage-deflate\r\n"))
                   for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elif mode == "logins":
        hold_many(port, deadline, stats, 3000,
                  lambda i: text('{"type":"login","name":"abuser-%d"}' % i), rcvbuf=4096)
    elif mode == "halfmsg":
        hold_many(port, deadline, stats, 400, lambda i: frame(0x01, b"x" * (60 * 1024)))
    else:
        sys.exit("unknown mode " + mode)
    print(f"{mode}: {stats.sent} sent (bytes, or messages for held connections), cut off {stats.cut_off} times")


if __name__ == "__main__":
    main()
