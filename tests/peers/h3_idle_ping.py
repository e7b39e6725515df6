"""A QUIC client that makes no request and only PINGs (the `aioquic` package), for tests/http3.rs.

Usage: h3_idle_ping.py PORT CA_CERT_PEM SECONDS [partial]
Connects to https://localhost:PORT over QUIC with HTTP/3, sends no request (with `partial`: the
first bytes of a HEADERS frame that never completes), and PINGs every 0.2 s for at most SECONDS. Prints one JSON object: whether the server closed the connection,
and after how many seconds.
"""

import asyncio
import json
import sys
import time

from aioquic.asyncio import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, H3Connection
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ConnectionTerminated


class Client(QuicConnectionProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.closed = asyncio.get_running_loop().create_future()

    def quic_event_received(self, event):
        if isinstance(event, ConnectionTerminated) and not self.closed.done():
            self.closed.set_result(event.error_code)
        for _ in self.h3.handle_event(event):
            pass


async def main(port, cafile, seconds, partial):
    config = QuicConfiguration(
        is_client=True, alpn_protocols=H3_ALPN, server_name="localhost", idle_timeout=60
    )
    config.load_verify_locations(cafile)
    started = time.monotonic()
    report = {"closed": False}
    async with connect("127.0.0.1", port, configuration=config, create_protocol=Client) as client:
        if partial:
            # A HEADERS frame (type 0x01) announcing 100 bytes (varint 0x4064), 7 of them sent.
            stream_id = client._quic.get_next_available_stream_id()
            client._quic.send_stream_data(stream_id, b"\x01\x40\x64partial", end_stream=False)
            client.transmit()
        uid = 0
        while time.monotonic() - started < seconds and not client.closed.done():
            uid += 1
            client._quic.send_ping(uid)
            client.transmit()
            await asyncio.sleep(0.2)
        if client.closed.done():
            report = {"closed": True, "after": round(time.monotonic() - started, 2)}
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4:] == ["partial"]))
