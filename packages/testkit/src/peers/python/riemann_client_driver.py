"""Drives riemann-client (PyPI, the maintained Python Riemann client) against a Riemann server.

stdin: {"host", "port", "events": [{service, host, state, description, metric_f|metric_sint64, ttl, tags, attributes}], "query"?}
stdout: {"ok": true, "sent": n, "query": [{service, host, state, metric_sint64}]} or {"ok": false, "error"}.
"""
import json
import sys

import riemann_client.client
import riemann_client.transport


def main():
    command = json.load(sys.stdin)
    transport = riemann_client.transport.TCPTransport(command["host"], command["port"])
    out = {"ok": True, "sent": 0}
    try:
        with riemann_client.client.Client(transport) as client:
            for event in command["events"]:
                client.event(**event)
                out["sent"] += 1
            if command.get("query"):
                out["query"] = [
                    {key: e.get(key) for key in ("service", "host", "state", "metric_sint64")}
                    for e in client.query(command["query"])
                ]
    except Exception as error:  # the client raises on ok=false: report it
        out = {"ok": False, "error": f"{type(error).__name__}: {error}", "sent": out["sent"]}
    print(json.dumps(out))


main()
