#!/bin/sh
# inodes_usage_check as an NPD custom plug-in: inode use of / above 80% is a problem.
pct=$(df -Pi / | awk 'NR==2 { gsub("%", "", $5); print ($5 == "-" ? 0 : $5) }')
if [ "$pct" -ge 80 ]; then echo "inodes ${pct}% used on /"; exit 1; fi
echo "inodes ${pct}% used on /"; exit 0
