"""A WebSocket echo server that nobody here wrote (the `websockets` package), the upstream of
the proxy's upgrade test in tests/proxy.rs.

Usage: ws_echo_server.py PORT
Echoes every message; the first message it sends on a connection is a JSON object of the
upgrade request's Host and X-Forwarded-* headers, so the test can check they reached it.
"""

import asyncio
import json
import sys

from websockets.asyncio.server import serve


async def echo(ws) -> None:
    headers = ws.request.headers
    await ws.send(json.dumps({
        "host": headers.get("Host"),
        "x-forwarded-for": headers.get("X-Forwarded-For"),
        "x-forwarded-proto": headers.get("X-Forwarded-Proto"),
        "x-forwarded-host": headers.get("X-Forwarded-Host"),
    }))
    async for message in ws:
        await ws.send(message)


async def main(port: int) -> None:
    async with serve(echo, "127.0.0.1", port):
        print("ready", flush=True)
        await asyncio.Future()


asyncio.run(main(int(sys.argv[1])))
