"""A WebSocket client that nobody here wrote (the `websockets` package), for tests/websocket.rs.

Usage: ws_client.py ws://HOST:PORT
Talks to /echo (text, binary, a 1 MiB message, a ping, a close) and /small (a message over its
64 KiB limit), and prints what it saw as one JSON object.
"""

import asyncio
import json
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def main(base: str) -> None:
    out = {}
    async with connect(f"{base}/echo", subprotocols=["chat.v1", "chat.v2"], max_size=None) as ws:
        out["subprotocol"] = ws.subprotocol
        await ws.send("hello from python")
        out["text"] = await ws.recv()
        await ws.send(b"\x00\x01\xff")
        out["binary"] = list(await ws.recv())
        big = "x" * (1 << 20)
        await ws.send(big)
        echoed = await ws.recv()
        out["big_len"] = len(echoed)
        out["big_same"] = echoed == big
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 10)
        out["pong"] = True
        await ws.close(code=1000, reason="done")
        # The code and reason of the close frame the server answered with.
        out["close_code"] = ws.close_code
        out["close_reason"] = ws.close_reason

    async with connect(f"{base}/small", max_size=None) as ws:
        await ws.send("y" * (64 * 1024 + 1))
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except ConnectionClosed as closed:
            out["oversized_code"] = closed.rcvd.code if closed.rcvd else None
            out["oversized_reason"] = closed.rcvd.reason if closed.rcvd else None

    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
