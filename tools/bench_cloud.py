#!/usr/bin/env python3
"""The cloud-path benchmarks of issue 12 (docs/benchmarks.md "The cloud path"), in one run.

Every figure of the remote modes beside Paho's own ceiling (tools/paho-ceiling: Paho MQTT C++
alone, no gateway, same broker, same 32-byte payloads) and Mosquitto's native ingest
(snbridge-bench --mode native: 100 MQTT/TCP publishers, no gateway):

1. connect: transparent mode, N = 100 and 1,000 sensors sending CONNECT at once:
   CONNECT..CONNACK p50/p99 per sensor and the time until all are connected; Paho connecting
   N clients (alone, and with one idle connection open in the process, as a gateway has).
2. qos1: 100 sensors, QoS 1, one message in flight each, as fast as the PUBACKs allow, in
   transparent and aggregating mode; Paho publishing QoS 1 with 100 clients x 1 in flight
   (transparent's shape) and 1 client x 64 in flight (aggregating's one connection).
3. qos0: 100 sensors, QoS 0, at each of --rates and at the generator's maximum (-r 0), in
   both modes and natively: delivered rate, loss, latency, the gateway's peak RSS; Paho QoS 0.

Each figure runs --runs times, interleaved (the machine's drift hits all alike), with a fresh
snbridge per run; Mosquitto and snbridge are started here on ephemeral loopback ports.
  tools/bench_cloud.py --build build/release --out /tmp/cloud.json [--runs 3] [--only qos0,...]
  tools/bench_cloud.py --report /tmp/cloud.json
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_custody import loadavg, run_one  # noqa: E402
from run_benchmarks import bench, start_mosquitto  # noqa: E402

SECTIONS = ("connect", "qos1", "qos0", "paho")


def cpu_times():
    with open("/proc/stat") as f:
        return [int(x) for x in f.readline().split()[1:]]


def steal_fraction(before, after):
    """The share of CPU time the hypervisor gave to others (/proc/stat 'steal') in between."""
    d = [a - b for a, b in zip(after, before)]
    return d[7] / sum(d) if sum(d) else 0.0


def paho(build, mport, args):
    argv = [os.path.join(build, "tools", "paho-ceiling"), "--uri", f"tcp://127.0.0.1:{mport}",
            "--json"] + args
    r = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    try:
        res = json.loads(r.stdout[r.stdout.index("{"):])
    except ValueError:
        res = {"error": (r.stderr or r.stdout)[-400:]}
    res["argv"] = " ".join(["paho-ceiling"] + argv[1:])
    if res.get("offered"):
        res["loss"] = 1 - res["delivered"] / res["offered"]
    res["connect_ms"] = {"p50": res.get("connect_p50_ms"), "p99": res.get("connect_p99_ms")}
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build")
    ap.add_argument("--out")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", default="10")
    ap.add_argument("--rates", default="20000,30000,40000,50000,60000")
    ap.add_argument("--native-rates", default="80000,100000,120000")
    ap.add_argument("--only", default=",".join(SECTIONS))
    ap.add_argument("--report", nargs="*")
    o = ap.parse_args()
    if o.report:
        return report(o.report)
    only = o.only.split(",")
    d = tempfile.mkdtemp(prefix="snb-cloud-")
    mosq, mport = start_mosquitto(d)
    out = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
           "load_start": loadavg(), "runs": {}}

    def record(key, run):
        before = cpu_times()
        res = run()
        res["steal"] = steal_fraction(before, cpu_times())
        out["runs"].setdefault(key, []).append(res)
        print(key, json.dumps({k: res.get(k) for k in (
            "setup_s", "connect_ms", "delivered_rate", "loss", "steal", "error")}),
            "rss_kb", res.get("gateway", {}).get("peak_rss_kb"), flush=True)

    def sensors(n, q, extra):
        return ["-h", "127.0.0.1", "-p", "UDP", "--pid", "PID", "-n", n, "-q", q,
                "--setup-timeout", "120"] + extra

    try:
        for i in range(o.runs):
            if "connect" in only:
                for n in ("100", "1000"):
                    idle = sensors(n, "0", ["--mode", "idle", "-k", "2", "--short", "ab", "-D",
                                            "0.1", "--connect-window", n, "--prefix", f"c{i}n{n}"])
                    record(f"connect transparent n{n}", lambda: run_one(
                        o.build, d, f"c{i}{n}", "transparent", mport, None, idle))
                    if "paho" in only:
                        record(f"connect paho n{n}", lambda: paho(o.build, mport, [
                            "-n", n, "-q", "0", "-D", "0.1", "--no-sink", "--prefix",
                            f"pc{i}{n}"]))
                        record(f"connect paho n{n}, one idle connection open", lambda:
                               paho(o.build, mport, ["-n", n, "-q", "0", "-D", "0.1",
                                                     "--prefix", f"pci{i}{n}"]))
            if "qos1" in only:
                for mode in ("transparent", "aggregating"):
                    record(f"qos1 {mode} n100",
                           lambda: run_one(o.build, d, f"q1{mode}{i}", mode, mport, None, sensors(
                               "100", "1", ["--mode", "uplink", "-D", o.duration,
                                            "--mqtt-port", "SINK", "--prefix", f"q1{mode[0]}{i}"])))
                if "paho" in only:
                    for n, w in (("100", "1"), ("1", "64")):
                        record(f"qos1 paho n{n} window {w}", lambda: paho(o.build, mport, [
                            "-n", n, "-q", "1", "--window", w, "-D", o.duration, "--no-sink",
                            "--prefix", f"p1{i}{n}"]))
            if "qos0" in only:
                gateway_rates = o.rates.split(",")
                for r in gateway_rates + o.native_rates.split(",") + ["0"]:
                    for mode in ("transparent", "aggregating", "native"):
                        if mode != "native" and r != "0" and r not in gateway_rates:
                            continue
                        rate = "max" if r == "0" else f"{r}/s"
                        key = f"qos0 {mode} n100 {rate}"
                        extra = ["-r", r, "-D", o.duration, "--prefix", f"q0{mode[0]}{i}{r}"]
                        if mode == "native":
                            record(key, lambda: bench(o.build, [
                                "--mode", "native", "-n", "100", "-q", "0", "--mqtt-port",
                                str(mport)] + extra, timeout=180))
                        else:
                            uplink = sensors("100", "0", ["--mode", "uplink", "--mqtt-port",
                                                          "SINK"] + extra)
                            record(key, lambda: run_one(o.build, d, f"q0{mode}{i}{r}", mode,
                                                        mport, None, uplink))
                if "paho" in only:
                    for n, sink in (("100", []), ("100", ["--no-sink"]), ("1", ["--no-sink"])):
                        label = ("written, no subscriber" if sink
                                 else "delivered to a Paho subscriber")
                        record(f"qos0 paho n{n} window 64 ({label})", lambda: paho(o.build, mport, [
                            "-n", n, "-q", "0", "-D", o.duration, "--prefix", f"p0{i}{n}"] + sink))
    finally:
        mosq.stop()
    out["load_end"] = loadavg()
    out["ended"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    with open(o.out, "w") as f:
        json.dump(out, f, indent=1)
    report([o.out])


def med(runs, get):
    vals = [v for v in (get(r) for r in runs) if v is not None]
    return statistics.median(vals) if vals else None


def cell(v, f="{:,.0f}"):
    return "n/a" if v is None else f.format(v)


def report(files):
    for path in files:
        data = json.load(open(path))
        print(f"{path}: {data['started']} .. {data.get('ended')}, load average "
              f"{data['load_start']} -> {data.get('load_end')}")
        print("| figure | runs | connect p50 ms | connect p99 ms | all connected s | offered msg/s "
              "| delivered msg/s | acked 0x00 | refused 0x01 | acked, not delivered "
              "| loss % (max of runs) | latency p50 ms | peak RSS MiB | CPU steal % |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for key, runs in data["runs"].items():
            ok = [r for r in runs if "error" not in r]
            connect = key.startswith("connect")
            rss = med(ok, lambda r: r.get("gateway", {}).get("peak_rss_kb"))
            qos1 = key.startswith("qos1")
            losses = [r.get("loss") for r in ok if r.get("loss") is not None and not qos1]
            refused = med(ok, lambda r: r.get("rejected", r.get("refused")))
            lost = med(ok, lambda r: max(0, r.get("acked", 0) - r.get("delivered", 0)))
            cells = [key, f"{len(ok)}/{len(runs)}",
                     cell(med(ok, lambda r: r.get("connect_ms", {}).get("p50")), "{:,.1f}"),
                     cell(med(ok, lambda r: r.get("connect_ms", {}).get("p99")), "{:,.1f}"),
                     cell(med(ok, lambda r: r.get("setup_s")), "{:.2f}"),
                     "–" if connect else cell(med(ok, lambda r: r.get("offered_rate"))),
                     "–" if connect else cell(med(ok, lambda r: r.get("delivered_rate"))),
                     cell(med(ok, lambda r: r.get("acked"))) if qos1 else "–",
                     cell(refused) if qos1 else "–",
                     cell(lost) if qos1 else "–",
                     "–" if connect or not losses else
                     f"{100 * statistics.median(losses):.2f} ({100 * max(losses):.2f})",
                     "–" if connect else cell(
                         med(ok, lambda r: r.get("latency_ms", {}).get("p50")), "{:.2f}"),
                     cell(rss / 1024 if rss else None, "{:.1f}"),
                     cell(med(ok, lambda r: 100 * r["steal"] if "steal" in r else None),
                          "{:.0f}")]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
