"""Uploads through Python's two common HTTP clients, requests and httpx, each encoding the
multipart body itself: a title, two `tags[]` values and a 100,000-byte file.

Usage: multipart_client.py URL
Prints one JSON object: what the server stored for each client, and the status of a form with
an empty title.
"""

import json
import sys

import httpx
import requests

url = sys.argv[1]
payload = bytes(i % 251 for i in range(100_000))
out = {}

res = requests.post(
    url,
    data={"title": "from requests", "tags[]": ["py", "requests"]},
    files={"files": ("requests.bin", payload, "application/octet-stream")},
    headers={"Accept": "application/json"},
    timeout=30,
)
res.raise_for_status()
out["requests"] = res.json()

with httpx.Client(timeout=30) as client:
    res = client.post(
        url,
        data={"title": "from httpx", "tags[]": ["py", "httpx"]},
        files={"files": ("httpx.bin", payload, "application/octet-stream")},
        headers={"Accept": "application/json"},
    )
    res.raise_for_status()
    out["httpx"] = res.json()
    bad = client.post(
        url,
        data={"title": ""},
        files={"files": ("x.bin", b"x", "application/octet-stream")},
    )
    out["empty_title_status"] = bad.status_code

print(json.dumps(out))
