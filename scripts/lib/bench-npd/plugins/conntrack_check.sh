#!/bin/sh
# network_problem_check as an NPD custom plug-in: conntrack table above 90% full is a problem.
dir=/proc/sys/net/netfilter
if [ ! -r $dir/nf_conntrack_count ]; then echo "no conntrack module"; exit 2; fi
count=$(cat $dir/nf_conntrack_count); max=$(cat $dir/nf_conntrack_max)
pct=$((count * 100 / max))
if [ "$pct" -ge 90 ]; then echo "conntrack table ${pct}% full"; exit 1; fi
echo "conntrack table ${pct}% full"; exit 0
