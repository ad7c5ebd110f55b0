#!/bin/bash
# Poor man's profiler of an aggregating snbridge at 10k msg/s uplink (diagnostic only).
set -u
B=${1:?usage: tools/pmp_aggregating.sh BUILD_DIR}
D=$(mktemp -d /tmp/snb-pmp-XXXX)
MP=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
UP=$(python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
printf "listener $MP 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\nmax_inflight_messages 0\nmax_queued_messages 1000000\n" > $D/m.conf
/usr/sbin/mosquitto -c $D/m.conf > $D/m.log 2>&1 & MPID=$!
sleep 0.5
printf "mqttsn: { listen: [\"127.0.0.1:$UP\"] }\nmode: aggregating\nupstream: { uri: \"tcp://127.0.0.1:$MP\" }\n" > $D/g.yaml
$B/gateway/snbridge -c $D/g.yaml > $D/g.log 2>&1 & GPID=$!
sleep 1
$B/tools/snbridge-bench -p $UP -n 100 -q 0 -r 10000 -D 8 --mqtt-port $MP --pid $GPID --quiet > $D/bench.out 2>&1 & BPID=$!
sleep 3
for i in 1 2 3 4 5 6 7 8; do
  gdb -p $GPID -batch -ex "thread apply all bt 12" 2>/dev/null | grep -E "^Thread|^#" > $D/s$i.txt
  sleep 0.4
done
wait $BPID
cat $D/bench.out
kill -TERM $GPID; wait $GPID
kill -TERM $MPID; wait $MPID
echo "samples in $D"
