#!/usr/bin/env python3
# sl-http-backend: a small HTTP/1.1 origin server for the proxy's end-to-end tests,
# standard library only. Keep-alive, and every request logged on stdout as one line
# "REQ <id> <method> <path> <peer>" (so a test can tell whether a request reached it).
#
#   GET  /id              "id=<ID>\n"
#   GET  /headers         the request's header fields as JSON (names lowercased; lists
#                         for repeated fields), plus "_peer" and "_version"
#   GET  /download?n=N    N bytes (byte i is i % 251), chunked, in pieces of 1000
#   POST|PUT /upload      reads the body (Content-Length or chunked), answers
#                         "sha256=<hex> bytes=<n>\n"; Expect: 100-continue is answered
#                         with 100 first (the standard library does it)
#   GET  /ws              WebSocket (RFC 6455) echo: every text or binary message comes
#                         back; a close frame is answered and ends the connection
#   GET  /flaky           every other request (the 1st, 3rd, ...) answers 503, the
#                         others "id=<ID>\n"; POST /flaky the same, else as /upload
#   GET  /slow?ms=N       "id=<ID>\n" after N ms
#   GET  /eof             "id=<ID> eof\n", delimited by the close (no Content-Length),
#                         the response's one segment carrying the FIN
#   GET  /idle-close?ms=N "id=<ID>\n", then the connection is closed when no next
#                         request comes within N ms (a server's keep-alive timeout)
#   any other GET         "id=<ID> path=<path>\n" (so a test sees rewritten paths)
#
#   sl-http-backend.py --id NAME [--port 8080] [--status CODE]
# --status: every GET answers CODE (with "id=<ID>\n"): a broken endpoint.
# Listens on [::]:PORT (dual stack); prints "listening port=P" when ready.
import argparse
import base64
import hashlib
import http.server
import json
import socket
import struct
import sys
import time

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC11B85"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_id = "?"
    server_status = 0
    flaky = 0

    def log_message(self, fmt, *args):
        pass

    def note(self):
        print("REQ %s %s %s %s" % (self.server_id, self.command, self.path,
                                   self.client_address[0]), flush=True)

    def send_text(self, code, text, extra=()):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            data = bytearray()
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.note()
        path = self.path.split("?")[0]
        if self.server_status:
            self.send_text(self.server_status, "id=%s\n" % self.server_id)
        elif path == "/flaky":
            Handler.flaky += 1
            if Handler.flaky % 2:
                self.send_text(503, "flaky\n")
            else:
                self.send_text(200, "id=%s\n" % self.server_id)
        elif path == "/slow":
            time.sleep(int(self.path.split("ms=")[1]) / 1000.0 if "ms=" in self.path else 1)
            self.send_text(200, "id=%s\n" % self.server_id)
        elif path == "/id":
            self.send_text(200, "id=%s\n" % self.server_id)
        elif path == "/eof":
            self.close_connection = True
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             b"Connection: close\r\n\r\nid=%s eof\n" % self.server_id.encode())
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)  # the FIN joins the corked segment
        elif path == "/idle-close":
            self.send_text(200, "id=%s\n" % self.server_id)
            # the wait for the next request line times out, and the server closes
            self.connection.settimeout(int(self.path.split("ms=")[1]) / 1000.0)
        elif path == "/headers":
            h = {}
            for k, v in self.headers.items():
                h.setdefault(k.lower(), []).append(v)
            h["_peer"] = self.client_address[0]
            h["_version"] = self.request_version
            self.send_text(200, json.dumps(h, sort_keys=True) + "\n",
                           [("Content-Type", "application/json")])
        elif path == "/download":
            n = int(self.path.split("n=")[1]) if "n=" in self.path else 0
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            pattern = bytes(i % 251 for i in range(251 * 4))
            sent = 0
            while sent < n:
                k = min(1000, n - sent)
                off = sent % 251
                piece = (pattern[off:] + pattern)[:k]
                self.wfile.write(b"%x\r\n" % k + piece + b"\r\n")
                sent += k
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            self.websocket()
        else:
            self.send_text(200, "id=%s path=%s\n" % (self.server_id, self.path))

    do_HEAD = do_GET
    do_OPTIONS = do_GET  # CORS preflights the proxy forwards

    def do_POST(self):
        self.note()
        body = self.read_body()
        if self.path.split("?")[0] == "/flaky":
            Handler.flaky += 1
            if Handler.flaky % 2:
                self.send_text(503, "flaky\n")
                return
        self.send_text(200, "sha256=%s bytes=%d\n" % (hashlib.sha256(body).hexdigest(),
                                                      len(body)))

    do_PUT = do_POST

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        while True:
            frame = read_frame(self.rfile)
            if frame is None:
                break
            op, payload = frame
            if op == 8:
                self.wfile.write(make_frame(8, payload[:2], False))
                self.wfile.flush()
                break
            if op in (1, 2):
                self.wfile.write(make_frame(op, payload, False))
                self.wfile.flush()
        self.close_connection = True


def read_exact(f, n):
    data = b""
    while len(data) < n:
        piece = f.read(n - len(data))
        if not piece:
            return None
        data += piece
    return data


def read_frame(f):
    head = read_exact(f, 2)
    if head is None:
        return None
    op = head[0] & 0x0F
    masked = head[1] & 0x80
    n = head[1] & 0x7F
    if n == 126:
        n = struct.unpack("!H", read_exact(f, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", read_exact(f, 8))[0]
    mask = read_exact(f, 4) if masked else b"\0\0\0\0"
    payload = read_exact(f, n) if n else b""
    if payload is None:
        return None
    return op, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def make_frame(op, payload, mask):
    head = bytes([0x80 | op])
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if mask:
        key = b"\x01\x02\x03\x04"
        return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + payload


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--id", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--status", type=int, default=0)
    a = ap.parse_args()
    Handler.server_id = a.id
    Handler.server_status = a.status
    srv = Server(("::", a.port), Handler)
    print("listening port=%d" % a.port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
