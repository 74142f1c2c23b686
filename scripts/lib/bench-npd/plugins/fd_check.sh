#!/bin/sh
# fd_check as an NPD custom plug-in: open files vs fs.file-max, problem above 80%.
set -- $(cat /proc/sys/fs/file-nr)
pct=$(($1 * 100 / $3))
if [ "$pct" -ge 80 ]; then echo "file descriptors ${pct}% used"; exit 1; fi
echo "file descriptors ${pct}% used"; exit 0
