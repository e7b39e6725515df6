"""The official MCP Python SDK as a client of an rws app:
python3 mcp_client.py URL legacy|modern STEPS_JSON [HEADER=VALUE ...]

URL is the Streamable HTTP endpoint, or `stdio:COMMAND` to spawn COMMAND with `--stdio` and
speak MCP over its stdin and stdout.

Connects over Streamable HTTP, negotiates 2025-11-25 (legacy: the initialize handshake) or
2026-07-28 (modern: server/discover), runs each step ([method, argument...]: list_tools,
call_tool NAME ARGS, list_resources, list_resource_templates, read_resource URI,
list_prompts, get_prompt NAME ARGS; cancel_call_tool NAME ARGS SECONDS gives up on a call,
call_tool_with_progress NAME ARGS collects its progress reports, sleep SECONDS waits) and prints one JSON object: the protocol negotiated and
each step's result, or {"error": {"code", "message"}} for a JSON-RPC error."""
import asyncio, json, sys

import anyio

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client
from mcp.shared.exceptions import MCPError


def dump(model):
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


async def step(session, method, *args):
    if method == "cancel_call_tool":
        # Gives up on a call after SECONDS: the SDK tells the server it is cancelled.
        name, arguments, seconds = args
        with anyio.move_on_after(seconds) as scope:
            await session.call_tool(name, arguments)
        return {"cancelled": scope.cancelled_caught}
    if method == "call_tool_with_progress":
        # Collects the progress the server reports while the call runs.
        name, arguments = args
        seen = []

        async def on_progress(progress, total, message):
            seen.append({"progress": progress, "total": total, "message": message})

        result = await session.call_tool(name, arguments, progress_callback=on_progress)
        return {"result": dump(result), "progress": seen}
    if method == "sleep":
        await anyio.sleep(args[0])
        return {}
    try:
        return dump(await getattr(session, method)(*args))
    except MCPError as e:
        return {"error": {"code": e.code, "message": e.message}}


async def run(read, write, mode, steps):
    async with ClientSession(read, write) as session:
        if mode == "legacy":
            await session.initialize()
        else:
            await session.discover()
        results = [await step(session, *s) for s in steps]
        return {"protocol": session.protocol_version, "results": results}


async def main():
    url, mode, steps = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    headers = dict(h.split("=", 1) for h in sys.argv[4:])
    if url.startswith("stdio:"):
        server = StdioServerParameters(command=url[len("stdio:"):], args=["--stdio"])
        async with stdio_client(server) as (read, write):
            seen = await run(read, write, mode, steps)
    else:
        async with create_mcp_http_client(headers=headers) as http:
            async with streamable_http_client(url, http_client=http) as (read, write):
                seen = await run(read, write, mode, steps)
    print(json.dumps(seen))


asyncio.run(main())
