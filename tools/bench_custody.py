#!/usr/bin/env python3
"""Custody benchmarks of issue 11 (docs/benchmarks.md "Custody"), side by side in one run.

1. Broker mode, 100 sensors, QoS 1 as fast as their one-in-flight window allows, one MQTT
   subscriber at QoS 1 on the TCP listener, default settings: persistence off, on with
   sync: full, on with sync: normal. Reports the delivered rate, what was acknowledged with
   0x00 and with 0x01 (congestion), and whether every 0x00 was delivered.
2. Transparent (100 sensors) and aggregating (1,000 sensors) QoS 0 into a real Mosquitto:
   the best sustained rate (the highest of --rates with loss < 1 %), then the generator's
   maximum (-r 0) for --overload-duration seconds: peak RSS and delivered rate.

3. Paho alone (tools/paho-ceiling) against the same broker, 100 clients, QoS 0 and 1: the
   library's ceiling beside the remote-mode figures.

Everything on loopback; Mosquitto and snbridge are started here on ephemeral ports.
  tools/bench_custody.py --build build/release --out /tmp/custody.json [--runs 3]
  tools/bench_custody.py --report /tmp/custody.json
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_benchmarks import bench, free_port, proc, start_mosquitto  # noqa: E402
import socket  # noqa: E402


def start_gateway(build, d, name, mode, mosq_port, persistence=None):
    udp = free_port(socket.SOCK_DGRAM)
    tcp = free_port(socket.SOCK_STREAM)
    conf = os.path.join(d, f"{name}.yaml")
    with open(conf, "w") as f:
        f.write(f'mqttsn:\n  listen: ["127.0.0.1:{udp}"]\n  max_clients: 20000\n')
        f.write(f"mode: {mode}\n")
        if mode == "broker":
            f.write(f'broker:\n  mqtt_listen: ["127.0.0.1:{tcp}"]\n')
        else:
            f.write(f'upstream:\n  uri: "tcp://127.0.0.1:{mosq_port}"\n')
        if persistence:
            db = os.path.join(d, f"{name}.db")
            for suffix in ("", "-wal", "-journal"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
            f.write(f"persistence:\n  path: {db}\n  sync: {persistence}\n")
    log = os.path.join(d, f"{name}.log")
    g = proc([os.path.join(build, "gateway", "snbridge"), "-c", conf], log)
    if not g.wait_for(log, " running", 10):
        sys.exit("snbridge did not start: " + open(log).read())
    return g, udp, (tcp if mode == "broker" else mosq_port)


def run_one(build, d, name, mode, mosq_port, persistence, args):
    g, udp, sink = start_gateway(build, d, name, mode, mosq_port, persistence)
    try:
        a = [x.replace("UDP", str(udp)).replace("SINK", str(sink)).replace("PID", str(g.p.pid))
             for x in args]
        return bench(build, a, timeout=180)
    finally:
        g.stop()


def paho(build, mport, qos, n, duration, prefix):
    argv = [os.path.join(build, "tools", "paho-ceiling"), "--uri", f"tcp://127.0.0.1:{mport}",
            "-n", n, "-q", qos, "-D", duration, "--prefix", prefix, "--json"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    try:
        res = json.loads(r.stdout[r.stdout.index("{"):])
    except ValueError:
        res = {"error": (r.stderr or r.stdout)[-400:]}
    res["argv"] = " ".join(["paho-ceiling"] + argv[1:])
    res["loss"] = 0.0
    return res


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build")
    ap.add_argument("--out")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", default="10")
    ap.add_argument("--overload-duration", default="10")
    ap.add_argument("--rates", default="10000,20000,30000")
    ap.add_argument("--only", default="persistence,overload,paho")
    ap.add_argument("--report", nargs="*")
    o = ap.parse_args()
    if o.report:
        return report(o.report)
    only = o.only.split(",")
    d = tempfile.mkdtemp(prefix="snb-custody-")
    mosq, mport = start_mosquitto(d)
    out = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
           "load_start": loadavg(), "runs": {}}

    def record(key, res):
        out["runs"].setdefault(key, []).append(res)
        print(key, json.dumps({k: res.get(k) for k in (
            "offered_rate", "delivered_rate", "acked", "rejected", "delivered", "loss")}),
            "rss_kb", res.get("gateway", {}).get("peak_rss_kb"), flush=True)

    try:
        if "persistence" in only:
            q1 = ["-h", "127.0.0.1", "-p", "UDP", "--pid", "PID", "--mode", "uplink", "-n",
                  "100", "-q", "1", "-D", o.duration, "--mqtt-port", "SINK", "--sink-qos", "1",
                  "--drain", "10"]
            for i in range(o.runs):  # interleaved, so the machine's drift hits all alike
                for p in (None, "full", "normal"):
                    key = f"broker q1 n100 persistence {p or 'off'}"
                    record(key, run_one(o.build, d, f"p{i}{p}", "broker", mport, p,
                                        q1 + ["--prefix", f"p{i}{p or 'off'}"]))
        if "overload" in only:
            for mode, n in (("transparent", "100"), ("aggregating", "1000")):
                base = ["-h", "127.0.0.1", "-p", "UDP", "--pid", "PID", "--mode", "uplink",
                        "-n", n, "-q", "0", "--mqtt-port", "SINK", "--setup-timeout", "120"]
                for i in range(o.runs):
                    for r in o.rates.split(","):
                        record(f"{mode} q0 n{n} {r}/s",
                               run_one(o.build, d, f"{mode}{i}{r}", mode, mport, None,
                                       base + ["-r", r, "-D", o.duration,
                                               "--prefix", f"s{mode[0]}{i}{r}"]))
                    record(f"{mode} q0 n{n} max",
                           run_one(o.build, d, f"{mode}{i}max", mode, mport, None,
                                   base + ["-r", "0", "-D", o.overload_duration,
                                           "--prefix", f"o{mode[0]}{i}"]))
        if "paho" in only:
            # Paho alone against the same broker: the library's ceiling (issue 12).
            for i in range(o.runs):
                for q in ("0", "1"):
                    record(f"paho-ceiling q{q} n100", paho(o.build, mport, q, "100",
                                                            o.duration, f"pc{i}{q}"))
    finally:
        mosq.stop()
    out["load_end"] = loadavg()
    out["ended"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    with open(o.out, "w") as f:
        json.dump(out, f, indent=1)
    report([o.out])


def fmt(v):
    return "n/a" if v is None else f"{v:.2f}"


def med(runs, get):
    vals = [v for v in (get(r) for r in runs) if v is not None]
    return statistics.median(vals) if vals else None


def report(files):
    for path in files:
        data = json.load(open(path))
        print(f"{path}: {data['started']} .. {data.get('ended')}, load average "
              f"{data['load_start']} -> {data.get('load_end')}")
        print("| figure | runs | offered msg/s | delivered msg/s | acked 0x00 | refused 0x01 "
              "| 0x00 not delivered | loss % | p50 ms | peak RSS MiB |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for key, runs in data["runs"].items():
            ok = [r for r in runs if "error" not in r]
            lost = med(ok, lambda r: max(0, r.get("acked", 0) - r.get("delivered", 0))
                       if r.get("qos", 0) > 0 else None)
            rss = med(ok, lambda r: r.get("gateway", {}).get("peak_rss_kb"))
            cells = [key, str(len(ok)),
                     f"{med(ok, lambda r: r.get('offered_rate')):,.0f}",
                     f"{med(ok, lambda r: r.get('delivered_rate')):,.0f}",
                     f"{med(ok, lambda r: r.get('acked')):,.0f}" if lost is not None else "–",
                     f"{med(ok, lambda r: r.get('rejected')):,.0f}" if lost is not None else "–",
                     f"{lost:,.0f}" if lost is not None else "–",
                     f"{100 * med(ok, lambda r: r.get('loss')):.2f}",
                     fmt(med(ok, lambda r: r.get("latency_ms", {}).get("p50"))),
                     f"{rss / 1024:.1f}" if rss else "n/a"]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
