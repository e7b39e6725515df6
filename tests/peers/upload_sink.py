"""An HTTP upload sink nobody here wrote the parser of (Python's http.server), the upstream of
the proxy's 1 GiB upload in tests/proxy/memory.rs.

Usage: upload_sink.py PORT
Reads each request body (Content-Length or chunked) in 1 MiB pieces, keeping none of it, and
answers with the number of bytes read.
"""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        total = 0
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    break
                while size:
                    piece = self.rfile.read(min(size, 1 << 20))
                    size -= len(piece)
                    total += len(piece)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left:
                piece = self.rfile.read(min(left, 1 << 20))
                if not piece:
                    break
                left -= len(piece)
                total += len(piece)
        body = str(total).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink)
print("ready", flush=True)
server.serve_forever()
