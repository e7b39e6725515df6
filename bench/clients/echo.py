"""Sends N sequential 16 KiB JSON POSTs to /echo over one keep-alive connection: python3 echo.py PORT N."""
import socket, sys, json
port, n = int(sys.argv[1]), int(sys.argv[2])
items = []
i = 0
while len(json.dumps({"items": items})) < 16 * 1024:
    items.append({"id": i, "name": f"item number {i}", "price": 1000 + i, "tags": ["a", "bb", "ccc"]}); i += 1
body = json.dumps({"items": items}).encode()
s = socket.create_connection(("127.0.0.1", port))
req = f"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
for _ in range(n):
    s.sendall(req)
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, _, rest = buf.partition(b"\r\n\r\n")
    cl = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
    while len(rest) < cl:
        rest += s.recv(65536)
    assert head.startswith(b"HTTP/1.1 200"), head
