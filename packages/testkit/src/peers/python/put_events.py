"""Drives the official EventBridge SDK (alibabacloud-eventbridge) for the EventBridge peer's cross-check.

Reads one JSON command on stdin, prints one JSON result on stdout:
  {"endpoint": "127.0.0.1:port", "accessKeyId", "accessKeySecret", "securityToken"?,
   "events": [{"id", "source", "type", "subject", "time", "data": {...}, "bus", "extensions"?: {...}}]}
  -> {"ok": true, "failedEntryCount", "entries": [...]} or {"ok": false, "code", "message"}
"""
import json
import sys

from alibabacloud_eventbridge import models
from alibabacloud_eventbridge.client import Client
from alibabacloud_tea_util import models as util_models


def main():
    cmd = json.load(sys.stdin)
    config = models.Config(access_key_id=cmd["accessKeyId"], access_key_secret=cmd["accessKeySecret"],
                           security_token=cmd.get("securityToken"), endpoint=cmd["endpoint"], protocol="http")
    client = Client(config)
    events = []
    for e in cmd["events"]:
        events.append(models.CloudEvent(id=e["id"], source=e["source"], type=e["type"], subject=e.get("subject"),
                                        time=e["time"], datacontenttype="application/json",
                                        data=json.dumps(e["data"]).encode("utf-8"),
                                        extensions={"aliyuneventbusname": e["bus"], **e.get("extensions", {})}))
    try:
        runtime = util_models.RuntimeOptions(autoretry=False)
        response = client.put_events_with_options(events, runtime)
        json.dump({"ok": True, "failedEntryCount": response.failed_entry_count,
                   "entries": [{"eventId": x.event_id, "errorCode": x.error_code} for x in (response.entry_list or [])]},
                  sys.stdout)
    except Exception as ex:  # the SDK raises TeaException with code / message
        json.dump({"ok": False, "code": getattr(ex, "code", type(ex).__name__), "message": str(ex)}, sys.stdout)


if __name__ == "__main__":
    main()
