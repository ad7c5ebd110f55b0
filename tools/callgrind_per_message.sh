#!/usr/bin/env bash
# callgrind_per_message.sh: instructions per message of the gateway's event loop, broker mode.
#
# Usage: tools/callgrind_per_message.sh [DIR] [QOS] [RUNS]
#   DIR   directory with snbridge and snbridge-bench, flat (DIR/snbridge) or a CMake build
#         tree (DIR/gateway/snbridge, DIR/tools/snbridge-bench). Default: build/release.
#   QOS   0 or 1, the sensors' QoS (default 1).
#   RUNS  number of runs (default 3).
# Environment (optional): SNB_RATE (default 2000 msg/s), SNB_DURATION (default 10 s),
#   SNB_SENSORS (default 100), SNB_KEEP=1 keeps the temporary directory (callgrind files, logs).
#
# Each run, on 127.0.0.1 only:
#   1. writes a config in a fresh temporary directory: built-in broker (`mode: broker`, the
#      default mode), MQTT-SN on 127.0.0.1:UDP and the broker's MQTT listener on
#      127.0.0.1:TCP, both ephemeral ports;
#   2. starts `valgrind --tool=callgrind --callgrind-out-file=... snbridge -c CONFIG` and waits
#      for its "running" log line;
#   3. runs `snbridge-bench --mode uplink -n 100 -q QOS -r RATE -D DURATION --mqtt-port TCP`:
#      100 sensors REGISTER and PUBLISH bench topics; the bench's own MQTT subscriber (QoS 0,
#      on the broker's TCP listener, as for the figures in docs/benchmarks.md) counts the
#      deliveries. snbridge-bench has no message-count option, so the count is fixed by
#      rate x duration (default 2000 msg/s x 10 s = 20,000 messages), a rate the gateway
#      sustains under callgrind on a 2-core machine; the script checks the delivered count;
#   4. stops snbridge with SIGINT (its PID only), so that callgrind writes its file;
#   5. Ir/msg = the INCLUSIVE Ir of `snbridge::common::uv::loop::run()` (the gateway's one
#      uv_run(UV_RUN_DEFAULT) call: "instructions of the whole event loop", the figure of
#      docs/benchmarks.md and of the performance-pass commits), from
#      `callgrind_annotate --inclusive=yes`, divided by the messages the bench reports
#      delivered to its subscriber. The loop also carries set-up (100 CONNECT + REGISTER) and
#      the sink's SUBSCRIBE, so the figure includes that fixed cost spread over the messages.
#      User-space instructions only (callgrind does not count the kernel).
# Prints one line per run and the median. Needs valgrind, callgrind_annotate, python3.
set -euo pipefail

dir=${1:-build/release}
qos=${2:-1}
runs=${3:-3}
rate=${SNB_RATE:-2000}
duration=${SNB_DURATION:-10}
sensors=${SNB_SENSORS:-100}

case "$qos" in 0 | 1) ;; *)
    echo "QOS must be 0 or 1" >&2
    exit 2
    ;;
esac
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || {
    echo "RUNS must be a positive integer" >&2
    exit 2
}

find_bin() { # find_bin NAME SUBDIR
    if [[ -x "$dir/$1" ]]; then
        echo "$dir/$1"
    elif [[ -x "$dir/$2/$1" ]]; then
        echo "$dir/$2/$1"
    else
        echo "no $1 in $dir or $dir/$2" >&2
        exit 2
    fi
}
gw_bin=$(find_bin snbridge gateway)
bench_bin=$(find_bin snbridge-bench tools)
for t in valgrind callgrind_annotate python3; do
    command -v "$t" >/dev/null || {
        echo "needs $t" >&2
        exit 2
    }
done

free_port() { # free_port udp|tcp: an ephemeral port on 127.0.0.1 (freed again right away)
    python3 -c 'import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' "$1"
}

work=$(mktemp -d /tmp/snb-callgrind.XXXXXX)
gw_pid=""
cleanup() {
    if [[ -n "$gw_pid" ]] && kill -0 "$gw_pid" 2>/dev/null; then
        kill -INT "$gw_pid" 2>/dev/null || true
        sleep 2
        kill -KILL "$gw_pid" 2>/dev/null || true
    fi
    if [[ "${SNB_KEEP:-0}" == 1 ]]; then
        echo "kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') $(uptime)"
echo "# gateway $gw_bin, bench $bench_bin, qos $qos, $sensors sensors, $rate msg/s x ${duration} s"
results=()
for ((i = 1; i <= runs; i++)); do
    udp=$(free_port udp)
    tcp=$(free_port tcp)
    conf="$work/run$i.yaml"
    out="$work/callgrind.run$i.out"
    log="$work/snbridge.run$i.log"
    cat >"$conf" <<EOF
mqttsn:
  listen: ["127.0.0.1:$udp"]
  max_clients: 20000
mode: broker
broker:
  mqtt_listen: ["127.0.0.1:$tcp"]
  max_sessions: 20000
EOF
    valgrind --tool=callgrind --callgrind-out-file="$out" "$gw_bin" -c "$conf" >"$log" 2>&1 &
    gw_pid=$!
    for _ in $(seq 1 300); do # up to 30 s for valgrind's start-up
        grep -q " running" "$log" && break
        kill -0 "$gw_pid" 2>/dev/null || {
            echo "snbridge exited during start-up:" >&2
            cat "$log" >&2
            exit 1
        }
        sleep 0.1
    done
    grep -q " running" "$log" || {
        echo "snbridge did not start within 30 s" >&2
        exit 1
    }
    bench_cmd=("$bench_bin" -h 127.0.0.1 -p "$udp" --mode uplink -n "$sensors" -q "$qos"
        -r "$rate" -D "$duration" --mqtt-host 127.0.0.1 --mqtt-port "$tcp" --prefix "cg$i"
        --json --quiet)
    json=$("${bench_cmd[@]}" 2>"$work/bench.run$i.err" | tail -n 1) || {
        echo "snbridge-bench failed:" >&2
        cat "$work/bench.run$i.err" >&2
        exit 1
    }
    kill -INT "$gw_pid"
    wait "$gw_pid" || true
    gw_pid=""
    [[ -s "$out" ]] || {
        echo "no callgrind file $out" >&2
        exit 1
    }
    read -r offered delivered < <(python3 -c 'import json,sys
j = json.loads(sys.argv[1]); print(j["offered"], j["delivered"])' "$json")
    # Inclusive Ir of loop::run(); uv_run as a fallback if that symbol is not in the binary.
    ann=$(callgrind_annotate --inclusive=yes --threshold=100 "$out")
    ir=$(awk '/snbridge::common::uv::loop::run\(\)/ {gsub(",", "", $1); print $1; exit}' \
        <<<"$ann")
    fn="loop::run()"
    if [[ -z "$ir" ]]; then
        ir=$(awk '/ uv_run / || / uv_run$/ {gsub(",", "", $1); print $1; exit}' <<<"$ann")
        fn="uv_run"
    fi
    [[ -n "$ir" && "$delivered" -gt 0 ]] || {
        echo "run $i: no Ir for the loop or nothing delivered" >&2
        exit 1
    }
    per=$(python3 -c 'import sys; print(round(int(sys.argv[1]) / int(sys.argv[2])))' \
        "$ir" "$delivered")
    results+=("$per")
    echo "run $i: qos $qos offered $offered delivered $delivered $fn Ir $ir -> $per Ir/msg"
done
median=$(printf '%s\n' "${results[@]}" | sort -n | python3 -c 'import sys, statistics
print(round(statistics.median(int(x) for x in sys.stdin)))')
echo "median: $median Ir/msg (qos $qos, $runs runs)"
