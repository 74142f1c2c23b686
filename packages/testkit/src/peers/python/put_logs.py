"""Drives the official Log Service SDK (aliyun-log-python-sdk) for the SLS peer's cross-check.

Reads one JSON command on stdin, prints one JSON result on stdout.

  {"mode": "put", "endpoint", "project", "logstore", "accessKeyId", "accessKeySecret",
   "securityToken"?, "topic", "source", "logs": [{"time", "contents": [[k, v], ...]}],
   "compress": true|false}
      -> {"ok": true} or {"ok": false, "errorCode", "errorMessage", "status"}
  {"mode": "decode", "body": base64, "rawSize": n, "compressType": "lz4"|"deflate"|""}
      -> the LogGroup decoded with the SDK's own lz4 and protobuf classes:
         {"topic", "source", "logs": [{"time", "contents": [[k, v], ...]}], "logTags": [[k, v]]}
"""
import base64
import json
import sys
import zlib

from aliyun.log import LogClient, LogException, LogItem, PutLogsRequest
from aliyun.log.compress import lz_decompress
from aliyun.log.proto import LogGroupRaw


def put(cmd):
    client = LogClient(cmd["endpoint"], cmd["accessKeyId"], cmd["accessKeySecret"], cmd.get("securityToken"))
    # The SDK dials {project}.{endpoint} unless the endpoint is a bare IP without a port; the
    # test peer listens on 127.0.0.1:<port>, so dial it directly (the Host header, which the
    # peer reads the project from, stays {project}.{endpoint} as the SDK sets it).
    client._isRowIp = True
    items = [LogItem(timestamp=log["time"], contents=[tuple(c) for c in log["contents"]]) for log in cmd["logs"]]
    request = PutLogsRequest(cmd["project"], cmd["logstore"], cmd.get("topic", ""), cmd.get("source", ""), items,
                             compress=cmd.get("compress", True))
    try:
        client.put_logs(request)
        return {"ok": True}
    except LogException as ex:
        return {"ok": False, "errorCode": ex.get_error_code(), "errorMessage": ex.get_error_message(),
                "status": ex.resp_status}


def decode(cmd):
    body = base64.b64decode(cmd["body"])
    kind = cmd.get("compressType", "")
    if kind == "lz4":
        raw = lz_decompress(cmd["rawSize"], body)
    elif kind == "deflate":
        raw = zlib.decompress(body)
    else:
        raw = body
    group = LogGroupRaw()
    group.ParseFromString(raw)
    return {
        "rawSize": len(raw),
        "topic": group.Topic,
        "source": group.Source,
        "logs": [{"time": log.Time, "contents": [[c.Key, c.Value.decode("utf-8")] for c in log.Contents]}
                 for log in group.Logs],
        "logTags": [[t.Key, t.Value] for t in group.LogTags],
    }


def main():
    cmd = json.load(sys.stdin)
    result = put(cmd) if cmd["mode"] == "put" else decode(cmd)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
