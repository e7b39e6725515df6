"""An HTTP/3 client that nobody here wrote (the `aioquic` package), for tests/http3.rs.

Usage: h3_client.py PORT CA_CERT_PEM [PATH ...]
Without paths, fetches a static route, a path-parameter route, a JSON POST and a streamed
response from https://localhost:PORT over QUIC (tests/http3.rs's app); with paths, GETs each.
Prints status and body of each as one JSON object. The server name (SNI, :authority, the name
the certificate is checked for) is `localhost`, or $H3_SERVER_NAME.
"""

import asyncio
import json
import os
import sys

from aioquic.asyncio import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.h3.events import DataReceived, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration


SERVER_NAME = os.environ.get("H3_SERVER_NAME", "localhost")


class Client(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.waiting = {}
        self.responses = {}

    def quic_event_received(self, event):
        for ev in self.h3.handle_event(event):
            if not isinstance(ev, (HeadersReceived, DataReceived)):
                continue
            response = self.responses.setdefault(ev.stream_id, {"headers": {}, "body": b""})
            if isinstance(ev, HeadersReceived):
                for name, value in ev.headers:
                    response["headers"][name.decode()] = value.decode()
            else:
                response["body"] += ev.data
            if ev.stream_ended:
                self.waiting.pop(ev.stream_id).set_result(response)

    async def request(self, method, path, body=None, content_type=None):
        stream_id = self._quic.get_next_available_stream_id()
        headers = [
            (b":method", method.encode()),
            (b":scheme", b"https"),
            (b":authority", SERVER_NAME.encode()),
            (b":path", path.encode()),
        ]
        if content_type:
            headers.append((b"content-type", content_type.encode()))
        self.h3.send_headers(stream_id=stream_id, headers=headers, end_stream=body is None)
        if body is not None:
            self.h3.send_data(stream_id=stream_id, data=body, end_stream=True)
        done = asyncio.get_running_loop().create_future()
        self.waiting[stream_id] = done
        self.transmit()
        response = await asyncio.wait_for(done, 10)
        return {"status": response["headers"].get(":status"), "body": response["body"].decode()}


async def main(port, cafile, paths):
    config = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN, server_name=SERVER_NAME)
    config.load_verify_locations(cafile)
    async with connect("127.0.0.1", port, configuration=config, create_protocol=Client) as client:
        if paths:
            print(json.dumps({path: await client.request("GET", path) for path in paths}))
            return
        report = {
            "hello": await client.request("GET", "/hello"),
            "user": await client.request("GET", "/users/7"),
            "echo": await client.request(
                "POST", "/echo", body=b'{"from":"aioquic"}', content_type="application/json"
            ),
            "stream": await client.request("GET", "/stream"),
        }
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3:]))
