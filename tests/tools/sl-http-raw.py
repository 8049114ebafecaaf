#!/usr/bin/env python3
# sl-http-raw: raw HTTP/1.1 exchanges for the proxy's end-to-end tests (what curl will
# not send: smuggling shapes, pipelining, WebSocket frames), standard library only.
#
#   sl-http-raw.py send HOST PORT REQUEST [--wait S]
#       Sends REQUEST (Python escapes allowed: "\r\n", "\x00") as is, then reads until
#       the server closes or S seconds (default 3) pass without data. Prints what was
#       received, then a last line "closed=yes" (the server closed) or "closed=no".
#   sl-http-raw.py ws HOST PORT PATH MESSAGE
#       WebSocket handshake on PATH, sends MESSAGE as a masked text frame, prints
#       "status=<code>" and "echo=<text>" for the first frame back, then closes.
import socket
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])


def connect(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((host, int(port)))
    return s


def send(host, port, req, wait):
    s = connect(host, port)
    s.sendall(req.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    s.settimeout(wait)
    data, closed = b"", False
    try:
        while True:
            piece = s.recv(65536)
            if not piece:
                closed = True
                break
            data += piece
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    sys.stdout.write(data.decode("latin-1"))
    print("\nclosed=%s" % ("yes" if closed else "no"))


def ws(host, port, path, msg):
    from importlib.machinery import SourceFileLoader
    be = SourceFileLoader("be", __file__.rsplit("/", 1)[0] + "/sl-http-backend.py").load_module()
    s = connect(host, port)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
               % (path, host)).encode())
    f = s.makefile("rb")
    status = f.readline().split()[1].decode()
    while f.readline() not in (b"\r\n", b""):
        pass
    print("status=%s" % status)
    if status != "101":
        return 1
    s.sendall(be.make_frame(1, msg.encode(), True))
    op, payload = be.read_frame(f)
    print("echo=%s" % payload.decode())
    s.sendall(be.make_frame(8, b"\x03\xe8", True))
    time.sleep(0.1)
    s.close()
    return 0


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "send":
        wait = float(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[5] == "--wait" else 3.0
        send(sys.argv[2], sys.argv[3], sys.argv[4], wait)
        return 0
    if len(sys.argv) == 6 and sys.argv[1] == "ws":
        return ws(*sys.argv[2:])
    sys.stderr.write("usage: sl-http-raw.py send HOST PORT REQUEST [--wait S] | "
                     "ws HOST PORT PATH MESSAGE\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())
