#!/usr/bin/env python3
"""Runs the benchmark matrix of docs/benchmarks.md on loopback and prints medians.

Starts its own Mosquitto and snbridge on ephemeral loopback ports, runs snbridge-bench
(each run bounded: -D seconds of load, at most 90 s wall time), 3 runs per figure by default,
and writes every raw JSON result plus the medians to --out. Usage:

  tools/run_benchmarks.py --build build-rel --out /tmp/bench.json [--modes broker,aggregating]
                          [--runs 3] [--duration 5] [--only NAME,...]
  tools/run_benchmarks.py --report /tmp/bench.json [more.json...]   # markdown table of medians
"""
import argparse, json, os, signal, socket, statistics, subprocess, sys, tempfile, time


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class proc:
    def __init__(self, argv, log):
        self.log = open(log, "w")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_for(self, path, text, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            with open(path) as f:
                if text in f.read():
                    return True
            if self.p.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()


def start_mosquitto(d):
    port = free_port(socket.SOCK_STREAM)
    conf = os.path.join(d, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n"
                "max_queued_messages 1000000\nmax_inflight_messages 0\n")
    log = os.path.join(d, "mosquitto.log")
    m = proc(["/usr/sbin/mosquitto", "-c", conf], log)
    if not m.wait_for(log, "running", 10):
        sys.exit("mosquitto did not start: " + open(log).read())
    return m, port


def start_snbridge(build, d, mode, mosq_port):
    udp = free_port(socket.SOCK_DGRAM)
    tcp = free_port(socket.SOCK_STREAM)
    conf = os.path.join(d, f"snbridge-{mode}.yaml")
    with open(conf, "w") as f:
        f.write(f'mqttsn:\n  listen: ["127.0.0.1:{udp}"]\n  max_clients: 20000\n')
        f.write(f"mode: {mode}\n")
        if mode == "broker":
            f.write(f'broker:\n  mqtt_listen: ["127.0.0.1:{tcp}"]\n  max_sessions: 20000\n')
        else:
            f.write(f'upstream:\n  uri: "tcp://127.0.0.1:{mosq_port}"\n')
    log = os.path.join(d, f"snbridge-{mode}.log")
    g = proc([os.path.join(build, "gateway", "snbridge"), "-c", conf], log)
    if not g.wait_for(log, " running", 10):
        sys.exit("snbridge did not start: " + open(log).read())
    sink_port = tcp if mode == "broker" else mosq_port
    return g, udp, sink_port


def bench(build, args, timeout=90):
    argv = [os.path.join(build, "tools", "snbridge-bench"), "--json", "--quiet"] + args
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timeout", "argv": argv}
    out = r.stdout.strip()
    try:
        res = json.loads(out[out.index("{"):])
    except ValueError:
        res = {"error": (r.stderr or out)[-400:]}
    res["exit_code"] = r.returncode
    res["argv"] = " ".join(["snbridge-bench"] + argv[1:])
    return res


def median(runs, key, sub=None):
    vals = []
    for r in runs:
        v = r.get(sub, {}) if sub else r
        if isinstance(v, dict) and key in v:
            vals.append(v[key])
    return statistics.median(vals) if vals else None


def matrix_for(mode, D, mport):
    """(name, bench args with UDP/SINK/PID placeholders, native ceiling args or None)."""
    common = ["-h", "127.0.0.1", "-p", "UDP", "--pid", "PID"]
    m = []
    for q in ("0", "1"):
        for n in ("1", "100", "1000", "10000"):
            m.append((f"uplink q{q} n{n} max", common + [
                "--mode", "uplink", "-n", n, "-q", q, "-D", D, "--mqtt-port", "SINK",
                "--prefix", f"b{mode[0]}{q}{n}"],
                ["--mode", "native", "-n", n, "-q", q, "-D", D, "--mqtt-port", str(mport),
                 "--prefix", f"n{mode[0]}{q}{n}"]))
    m.append(("uplink q0 n100 10k/s", common + [
        "--mode", "uplink", "-n", "100", "-q", "0", "-r", "10000", "-D", D,
        "--mqtt-port", "SINK", "--prefix", f"l{mode[0]}"],
        ["--mode", "native", "-n", "100", "-q", "0", "-r", "10000", "-D", D,
         "--mqtt-port", str(mport), "--prefix", f"m{mode[0]}"]))
    m.append(("fan-out 1 -> 1000 q0 20 msg/s", common + [
        "--mode", "downlink", "-n", "1000", "-q", "0", "-r", "20", "-D", D,
        "--mqtt-port", "SINK", "--prefix", f"f{mode[0]}"], None))
    m.append(("idle 10000 connected (RSS)", common + [
        "--mode", "idle", "-n", "10000", "-D", "5", "-k", "300", "--prefix", f"r{mode[0]}"],
        None))
    m.append(("idle 1000 connected 60 s (CPU)", common + [
        "--mode", "idle", "-n", "1000", "-D", "60", "-k", "300", "--prefix", f"i{mode[0]}"],
        None))
    return m


def fmt(v, digits=1):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def report(paths):
    """Markdown tables of the medians in one or more result files (later files win)."""
    figs = {}
    for path in paths:
        for f in json.load(open(path))["figures"]:
            figs[(f["mode"], f["name"])] = f
    print("| mode | figure | offered msg/s | delivered msg/s | loss % | p50 ms | p99 ms | "
          "p99.9 ms | gw CPU % | gw RSS MiB | gw ctx switches | kernel drops | "
          "Mosquitto native msg/s | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (mode, name), f in figs.items():
        m = f["median"]
        n = f.get("native_median") or {}
        rss = m.get("gw_rss_kb")
        loss = m.get("loss")
        ok = [r for r in f["runs"] if "error" not in r]
        print(f"| {mode} | {name} ({len(ok)}/{len(f['runs'])} runs) | {fmt(m.get('offered_rate'), 0)} | "
              f"{fmt(m.get('delivered_rate'), 0)} | {fmt(loss * 100 if loss is not None else None, 2)} | "
              f"{fmt(m.get('latency_p50'), 2)} | {fmt(m.get('latency_p99'), 2)} | "
              f"{fmt(m.get('latency_p999'), 2)} | {fmt(m.get('gw_cpu_percent'))} | "
              f"{fmt(rss / 1024 if rss else None)} | {fmt(m.get('gw_context_switches'))} | "
              f"{fmt(m.get('gw_udp_drops'))} | "
              f"{fmt(n.get('delivered_rate'), 0)} | {fmt(f.get('ratio_median'), 2)} |")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--report":
        report(sys.argv[2:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--modes", default="broker,aggregating")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    only = set(filter(None, a.only.split(",")))
    D = str(a.duration)
    results = {"host": os.uname().nodename, "nproc": os.cpu_count(),
               "loadavg_start": os.getloadavg(), "figures": []}
    with tempfile.TemporaryDirectory(prefix="snb-bench-") as d:
        mosq, mport = start_mosquitto(d)
        try:
            for mode in a.modes.split(","):
                for name, bargs, nargs in matrix_for(mode, D, mport):
                    if only and not any(o in name for o in only):
                        continue
                    # A fresh gateway per figure: no sessions or state left from the last one.
                    gw, udp, sink = start_snbridge(a.build, d, mode, mport)
                    try:
                        subst = {"UDP": str(udp), "SINK": str(sink), "PID": str(gw.p.pid)}
                        bargs = [subst.get(x, x) for x in bargs]
                        runs, natives = [], []
                        for i in range(a.runs):
                            # The ceiling in the same run, right before the bridged figure.
                            if nargs and mode != "broker":
                                natives.append(bench(a.build, nargs))
                            runs.append(bench(a.build, bargs))
                            print(f"{mode:11} {name:32} run {i+1}: "
                                  f"{runs[-1].get('delivered_rate')} msg/s "
                                  f"p99 {runs[-1].get('latency_ms', {}).get('p99')} ms "
                                  f"{runs[-1].get('error', '')}", flush=True)
                    finally:
                        gw.stop()
                    fig = {"mode": mode, "name": name, "runs": runs, "natives": natives,
                           "median": {k: median(runs, k) for k in
                                      ("offered_rate", "delivered_rate", "loss", "setup_s")}}
                    for k in ("p50", "p99", "p999"):
                        fig["median"]["latency_" + k] = median(runs, k, "latency_ms")
                    for k in ("cpu_percent", "rss_kb", "peak_rss_kb", "context_switches",
                              "udp_drops"):
                        fig["median"]["gw_" + k] = median(runs, k, "gateway")
                    if natives:
                        fig["native_median"] = {
                            "delivered_rate": median(natives, "delivered_rate"),
                            "loss": median(natives, "loss"),
                            "latency_p99": median(natives, "p99", "latency_ms")}
                        ratios = [r.get("delivered_rate", 0) / n["delivered_rate"]
                                  for r, n in zip(runs, natives)
                                  if n.get("delivered_rate")]
                        fig["ratio_median"] = statistics.median(ratios) if ratios else None
                    results["figures"].append(fig)
                    with open(a.out, "w") as f:
                        json.dump(results, f, indent=1)
        finally:
            mosq.stop()
    results["loadavg_end"] = os.getloadavg()
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
