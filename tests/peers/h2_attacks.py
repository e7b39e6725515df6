"""HTTP/2 clients that stop reading (the `h2` package), for tests/abuse/http2.rs.

Usage:
  h2_attacks.py PORT PATH shut-window SECONDS
      One request with a flow-control window of 0, never opened: the server can send the head,
      never the body. Waits at most SECONDS for the server to close the connection.
  h2_attacks.py PORT PATH bodies ONE_BY_ONE AT_ONCE
      With windows of 0, ONE_BY_ONE requests each after the previous one's head, then AT_ONCE
      requests sent together; no body is ever read.

Speaks HTTP/2 with prior knowledge over plain TCP to 127.0.0.1:PORT. Prints one JSON object.
"""

import json
import socket
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.settings


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.local_settings = h2.settings.Settings(
        client=True, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0}
    )
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    return sock, conn


def request(conn, path):
    stream_id = conn.get_next_available_stream_id()
    conn.send_headers(
        stream_id,
        [(":method", "GET"), (":scheme", "http"), (":authority", "localhost"), (":path", path)],
        end_stream=True,
    )
    return stream_id


def pump(sock, conn, deadline):
    """Events from the socket until `deadline`; None once the connection is closed."""
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        data = sock.recv(65536)
    except socket.timeout:
        return []
    except OSError:
        return None
    if not data:
        return None
    events = conn.receive_data(data)
    # PING and SETTINGS acknowledgements: a live client, only not reading bodies.
    sock.sendall(conn.data_to_send())
    if any(isinstance(e, h2.events.ConnectionTerminated) for e in events):
        return None
    return events


def shut_window(port, path, seconds):
    sock, conn = connect(port)
    started = time.monotonic()
    deadline = started + seconds
    stream_id = request(conn, path)
    sock.sendall(conn.data_to_send())
    report = {"status": None, "closed": False, "body_bytes": 0}
    while time.monotonic() < deadline:
        events = pump(sock, conn, deadline)
        if events is None:
            report["closed"] = True
            break
        for event in events:
            if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream_id:
                report["status"] = int(dict(event.headers)[b":status"])
            elif isinstance(event, h2.events.DataReceived):
                report["body_bytes"] += len(event.data)
            elif isinstance(event, h2.events.StreamReset) and event.stream_id == stream_id:
                report["reset"] = True
    report["after"] = round(time.monotonic() - started, 2)
    return report


def bodies(port, path, one_by_one, at_once):
    sock, conn = connect(port)
    deadline = time.monotonic() + 20
    answers = {}

    def wait_for(ids):
        while any(i not in answers for i in ids):
            events = pump(sock, conn, deadline)
            if events is None or time.monotonic() >= deadline:
                raise SystemExit(f"no answer to {len(ids)} requests: {answers}")
            for event in events:
                if isinstance(event, h2.events.ResponseReceived):
                    headers = dict(event.headers)
                    retry = headers.get(b"retry-after")
                    answers[event.stream_id] = [
                        int(headers[b":status"]),
                        retry.decode() if retry else None,
                    ]

    order = []
    for _ in range(one_by_one):
        stream_id = request(conn, path)
        sock.sendall(conn.data_to_send())
        order.append(stream_id)
        wait_for([stream_id])
    burst = [request(conn, path) for _ in range(at_once)]
    sock.sendall(conn.data_to_send())
    order += burst
    wait_for(burst)
    return {"answers": [answers[i] for i in order]}


def main():
    port, path, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    if mode == "shut-window":
        report = shut_window(port, path, float(sys.argv[4]))
    elif mode == "bodies":
        report = bodies(port, path, int(sys.argv[4]), int(sys.argv[5]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
