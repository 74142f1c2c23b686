#!/bin/sh
# ntp_check as an NPD custom plug-in: a time daemon (chronyd or ntpd) must be running.
for comm in /proc/[0-9]*/comm; do
  case "$(cat "$comm" 2>/dev/null)" in chronyd | ntpd) echo "time daemon running"; exit 0 ;; esac
done
echo "no chronyd or ntpd running"; exit 1
