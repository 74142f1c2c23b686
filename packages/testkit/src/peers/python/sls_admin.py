"""Drives the official Log Service SDK (aliyun-log-python-sdk) against the SLS peer's management API.

Reads one JSON command on stdin, prints one JSON result on stdout.

  {"endpoint", "accessKeyId", "accessKeySecret", "project", "logstore",
   "savedsearches": [names], "dashboards": [names], "jobs": [names],
   "create_savedsearch"?: {body}}
      -> {"project": {...}, "logstore": {"ttl", "shardCount"}, "index": {...},
          "savedsearches": [...], "dashboards": [...], "jobs": [...], "created"?: true}
      or {"error": {"code", "message", "status"}}
"""
import json
import sys

from aliyun.log import LogClient, LogException


def main():
    cmd = json.load(sys.stdin)
    client = LogClient(cmd["endpoint"], cmd["accessKeyId"], cmd["accessKeySecret"])
    # Dial the peer's 127.0.0.1:<port> directly; Host stays {project}.{endpoint} as the SDK sets it.
    client._isRowIp = True
    project, logstore = cmd["project"], cmd["logstore"]
    try:
        out = {}
        if cmd.get("create_savedsearch"):
            client.create_savedsearch(project, cmd["create_savedsearch"])
            out["created"] = True
        out["project"] = client.get_project(project).get_body()
        store = client.get_logstore(project, logstore)
        out["logstore"] = {"ttl": store.get_ttl(), "shardCount": store.get_shard_count()}
        out["index"] = client.get_index_config(project, logstore).get_index_config().to_json()
        out["savedsearches"] = [client.get_savedsearch(project, n).get_body() for n in cmd.get("savedsearches", [])]
        out["dashboards"] = [client.get_dashboard(project, n).get_body() for n in cmd.get("dashboards", [])]
        out["jobs"] = [client.get_alert(project, n).get_body() for n in cmd.get("jobs", [])]
        print(json.dumps(out))
    except LogException as ex:
        print(json.dumps({"error": {"code": ex.get_error_code(), "message": ex.get_error_message(), "status": ex.resp_status}}))


main()
