"""Issue 8's benchmarks, each measured next to its baseline in the same run; writes docs/performance.md.

Run through scripts/bench.sh, which installs the tools, starts PostgreSQL and builds release.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import time

from .checks import GatewayTail
from .report import write_performance
from .stack import SERVICES, Stack
from .traffic import make_reports, percentile, post_all


def run(command: list[str], **kwargs) -> str:
    print("  $ " + " ".join(command), flush=True)
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout


class Bench:
    def __init__(self, args):
        self.args = args
        self.results: dict = {"notes": []}
        # What the fake gateway accepted, one JSON line per request; each end-to-end step starts it afresh.
        self.gateway_record = f"{args.stack_dir}/gateway-bench.jsonl"
        env = {"HOTLINE_INTAKE_SENDER_LIMIT_PER_HOUR": "100000", "HOTLINE_SMS_PROVIDER": "africastalking",
               "HOTLINE_SMS_RATE_PER_SECOND": "2000", "HOTLINE_SMS_RATE_BURST": "200", "HOTLINE_SMS_DISPATCHERS": "2", "HOTLINE_SMS_DISPATCH_BATCH": "64"}
        # Each service keeps the default pool of 20 connections: 40 made things worse on two cores
        # (more backends contending; intake's peak RSS 87 MiB against 69 MiB under the same overload).
        self.stack = Stack(root=args.root, bin_dir=args.bin, stack_dir=args.stack_dir, pg_port=args.pg_port,
                           broker_port=args.broker_port, http_base=args.http_base, gateway_port=args.gateway_port,
                           db_name="bench", service_env=env)
        os.makedirs(f"{args.stack_dir}/logs", exist_ok=True)

    @property
    def intake_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.port('intake')}/v1/inbound/africastalking/sms?token=dev-africastalking-token"

    # MARK: Durable intake

    def pgbench(self, seconds: int) -> float:
        out = run([self.args.pgbench, "-n", "-c", "32", "-j", "2", "-T", str(seconds), "-f",
                   f"{self.args.root}/scripts/bench/insert_report.sql", "-h", "127.0.0.1", "-p", str(self.args.pg_port),
                   "-U", "hotline", "bench"], env=dict(os.environ, PGPASSWORD="hotline"))
        return float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out).group(1))

    def wrk(self, seconds: int, run_id: str, pace_ms: float | None = None) -> dict:
        script = "at_sms.lua" if pace_ms is None else "at_sms_paced.lua"
        out = run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", f"{self.args.root}/scripts/bench/{script}",
                   self.intake_url, "--", run_id, *([] if pace_ms is None else [f"{pace_ms:.3f}"])])
        result = json.loads(out.split("WRK_JSON ", 1)[1].splitlines()[0])
        result["per_second"] = result["accepted"] / result["seconds"]
        return result

    def intake(self) -> None:
        print("\n== durable intake ==", flush=True)
        stack, seconds = self.stack, self.args.seconds
        stack.psql("CREATE SCHEMA IF NOT EXISTS bench")
        stack.psql("""CREATE TABLE IF NOT EXISTS bench.reports (report_id uuid PRIMARY KEY, reference_code text NOT NULL,
            channel text NOT NULL, language text NOT NULL, text text NOT NULL, reporter_pseudonym text,
            reporter_key_id text, reporter_ciphertext text, category_hint text, place_code text,
            received_at timestamptz NOT NULL DEFAULT now())""")
        stack.start_service("intake")
        self.wrk(3, f"warm{int(time.time())}")
        rounds = []
        for index in range(2):  # interleaved: baseline, measure, baseline, measure
            baseline = self.pgbench(seconds)
            measure = self.wrk(seconds, f"r{index}{int(time.time())}")
            rounds.append((baseline, measure))
            print(f"  round {index + 1}: pgbench {baseline:.0f} tps, intake {measure['per_second']:.0f} 2xx/s "
                  f"({measure['other']} non-2xx, {measure['errors']} socket errors)", flush=True)
        stored = int(stack.psql("SELECT count(*) FROM intake.inbound_messages WHERE kind = 'report'")[0][0])
        accepted = sum(m["accepted"] for _, m in rounds)
        self.results["intake"] = {
            "rounds": [{"pgbench_tps": b, "intake_per_second": m["per_second"], "non_2xx": m["other"],
                        "errors": m["errors"], "wrk_p50_ms": m["p50_ms"], "wrk_p99_ms": m["p99_ms"]} for b, m in rounds],
            "baseline": sum(b for b, _ in rounds) / len(rounds),
            "measure": sum(m["per_second"] for _, m in rounds) / len(rounds),
            "stored_reports": stored, "accepted_measured": accepted}
        # Half the saturation rate, from the same light load generator: 32 connections, each pausing
        # between an answer and its next request. The pause is set from a short calibration run so
        # that the rate reached is close to half (the answers' own time comes on top of the pause).
        half = self.results["intake"]["measure"] / 2
        pace_ms = 32_000 / half
        for _ in range(3):
            probe = self.wrk(3, f"cal{int(time.time())}", pace_ms=pace_ms)
            if abs(probe["per_second"] - half) <= 0.03 * half:
                break
            pace_ms = max(0.1, pace_ms * probe["per_second"] / half)
        paced = self.wrk(seconds, f"half{int(time.time())}", pace_ms=pace_ms)
        self.results["intake"]["half_rate"] = {"rate": paced["per_second"], "target": half, "pace_ms": pace_ms,
                                               "sent": paced["accepted"] + paced["other"], "accepted": paced["accepted"],
                                               "failed": paced["other"] + paced["errors"],
                                               "p50_ms": paced["p50_ms"], "p99_ms": paced["p99_ms"]}
        stack.kill9("intake")

    # MARK: Kafka

    def rdkafka_performance(self, *arguments: str) -> float:
        out = run([f"{self.args.root}/.tools/bin/rdkafka_performance", "-b", f"127.0.0.1:{self.args.broker_port}", "-u",
                   *arguments], env=dict(os.environ, LD_LIBRARY_PATH="/usr/local/lib"))
        rows = [line for line in out.splitlines() if re.match(r"^\|\s+\d+", line)]
        cells = [c.strip() for c in rows[-1].strip("|").split("|")]
        elapsed_ms, messages = float(cells[0]), float(cells[1])
        return messages / (elapsed_ms / 1000)

    def swift_kafka(self, *arguments: str) -> float:
        out = run([self.args.kafka_bench, *arguments, "--brokers", f"127.0.0.1:{self.args.broker_port}"])
        return json.loads(out.strip().splitlines()[-1])["per_second"]

    def kafka(self) -> None:
        print("\n== Kafka layer ==", flush=True)
        n, stamp = str(self.args.kafka_messages), int(time.time())
        produce = []
        for index in range(self.args.kafka_rounds):
            # Both tools produce into existing topics of 6 partitions (see KafkaThroughput's header).
            run([self.args.kafka_bench, "create", "--topic", f"rd-{stamp}-{index},sw-{stamp}-{index},swk-{stamp}-{index}",
                 "--brokers", f"127.0.0.1:{self.args.broker_port}"])
            base = self.rdkafka_performance("-P", "-t", f"rd-{stamp}-{index}", "-s", "300", "-c", n, "-X", "enable.idempotence=true",
                                            "-X", "acks=all", "-X", "linger.ms=2")
            # Like for like: rdkafka_performance sends records without keys (it can only give every
            # record the same one), so the ratio is taken with none. Keyed, the services' shape,
            # is reported beside it: records spread over six partitions make smaller batches.
            swift = self.swift_kafka("produce", "--topic", f"sw-{stamp}-{index}", "--count", n, "--size", "300", "--keys", "none")
            keyed = self.swift_kafka("produce", "--topic", f"swk-{stamp}-{index}", "--count", n, "--size", "300", "--keys", "unique")
            produce.append((base, swift, keyed))
            print(f"  produce round {index + 1}: rdkafka_performance {base:.0f}/s, Swift wrapper {swift:.0f}/s, "
                  f"the same with a key per record {keyed:.0f}/s", flush=True)
        consume = []
        for index in range(self.args.kafka_rounds):
            base = self.rdkafka_performance("-G", f"rdg-{stamp}-{index}", "-t", f"rd-{stamp}-{index}", "-c", n,
                                            "-X", "auto.offset.reset=earliest")
            each = self.swift_kafka("consume", "--topic", f"sw-{stamp}-{index}", "--count", n, "--commit-every", "1")
            batched = self.swift_kafka("consume", "--topic", f"sw-{stamp}-{index}", "--count", n, "--commit-every", "1000")
            # The same wrapper with the prefetch queue rdkafka_performance runs with (librdkafka's
            # defaults), to tell the wrapper's own cost from the services' memory bound.
            tool_prefetch = self.swift_kafka("consume", "--topic", f"sw-{stamp}-{index}", "--count", n, "--commit-every", "1000",
                                             "--prefetch-records", "100000", "--prefetch-kilobytes", "65536")
            consume.append((base, each, batched, tool_prefetch))
            print(f"  consume round {index + 1}: rdkafka_performance (auto-commit) {base:.0f}/s, Swift commit each {each:.0f}/s, "
                  f"Swift commit every 1000 {batched:.0f}/s, the same with librdkafka's default prefetch {tool_prefetch:.0f}/s", flush=True)
        mean = lambda values: sum(values) / len(values)
        self.results["kafka"] = {
            "messages": int(n),
            "produce": {"baseline": mean([p[0] for p in produce]), "measure": mean([p[1] for p in produce]),
                        "measure_keyed": mean([p[2] for p in produce]), "rounds": produce},
            "consume": {"baseline": mean([c[0] for c in consume]), "measure_each": mean([c[1] for c in consume]),
                        "measure_batched": mean([c[2] for c in consume]), "measure_tool_prefetch": mean([c[3] for c in consume]),
                        "rounds": consume}}

    # MARK: End to end

    def e2e_run(self, label: str, block: int, rate: float, seconds: int) -> dict:
        tail = GatewayTail(self.gateway_record, start_at_end=True)
        reports = make_reports(f"{label}-{int(time.time())}", block, int(rate * seconds), seed=block)
        phones = {r.phone: r for r in reports}
        acknowledged: dict[str, float] = {}  # phone → when the gateway accepted its acknowledgement
        samples = []

        def read_gateway() -> None:
            for g in tail.new_records():
                if g["status"] == 201 and g["to"] in phones:
                    acknowledged.setdefault(g["to"], g["t"])

        async def sample(expected: float):
            started = time.time()
            while time.time() - started < expected + 1:
                await asyncio.sleep(5)
                # Off the event loop that posts the webhooks, so reading never delays a post.
                await asyncio.to_thread(read_gateway)
                posted = sum(1 for r in reports if r.accepted)
                samples.append((round(time.time() - started), posted, posted - len(acknowledged)))

        # Retries for half a step at most: an overloaded step is judged unbounded anyway (its refused
        # reports are never acknowledged, so the drain runs out), and the default five minutes of
        # retries spent about eight minutes of each bench absorbing a backlog already judged.
        asyncio.run(post_all(reports, self.intake_url, rate, 64, retry_window=seconds / 2, during=sample))
        drain_started = time.time()
        deadline = drain_started + self.args.drain_seconds
        while time.time() < deadline:
            read_gateway()
            if len(acknowledged) >= len(reports):
                break
            time.sleep(1)
        drain = time.time() - drain_started
        latencies = [(t - phones[phone].first_sent) * 1000 for phone, t in acknowledged.items()]
        # Only the samples taken while webhooks were still being posted say whether the lag grows.
        backlogs = [b for t, _, b in samples if t <= seconds]
        bounded = lag_bounded(backlogs, rate) and drain < 10
        # Bounded is judged on the acknowledgements. Every other SMS (members' alerts, questions) is
        # routine and may wait behind them: how long after the last webhook the last of them went says
        # whether those fall behind at this rate (given up after a minute).
        def unsent() -> tuple[int, int]:
            total, waiting = self.stack.psql(
                "SELECT count(*), count(*) FILTER (WHERE status IN ('queued', 'sending')) FROM notification.notifications")[0]
            return int(total), int(waiting)
        sms_total, sms_waiting = unsent()
        while sms_waiting > 0 and time.time() < drain_started + 60:
            time.sleep(1)
            sms_total, sms_waiting = unsent()
        sms_drain = time.time() - drain_started if sms_waiting == 0 else None
        sms_sent = sms_total - sms_waiting
        result = {"rate": rate, "seconds": seconds, "posted": len(reports), "acknowledged": len(acknowledged),
                  "backlog_samples": samples, "drain_seconds": drain, "bounded": bounded,
                  "p50_ms": percentile(latencies, 0.5), "p99_ms": percentile(latencies, 0.99),
                  "sms_total": sms_total, "sms_sent": sms_sent, "sms_drain_seconds": sms_drain}
        print(f"  {label}: {rate:.0f}/s for {seconds} s, {len(acknowledged)}/{len(reports)} acknowledged, backlog samples "
              f"{backlogs}, drained {drain:.1f} s after → {'bounded' if bounded else 'NOT bounded'}; "
              f"latency p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms; "
              + (f"all {sms_total} SMS sent {sms_drain:.1f} s after" if sms_drain is not None
                 else f"{sms_waiting} of {sms_total} SMS still waiting 60 s after"), flush=True)
        return result

    def fresh_stack(self) -> None:
        """A fresh broker, database and services: no step inherits another's backlog."""
        stack = self.stack
        stack.stop_all()
        stack.start_broker()
        stack.fresh_database()
        # A fresh record too: each step reads only its own sends.
        if os.path.exists(self.gateway_record):
            os.remove(self.gateway_record)
        stack.start_gateway(self.gateway_record)
        stack.start_all()
        self.warm_up()

    def warm_up(self) -> None:
        """Measures the steady state, as a hotline runs: a few reports go through first, until each
        has its acknowledgement, so consumer-group joins and first metadata are not counted (a
        freshly started stack took about 4 s for its first reports)."""
        tail = GatewayTail(self.gateway_record)
        reports = make_reports(f"warmup-{int(time.time())}", 0, 20, seed=0)
        phones = {r.phone for r in reports}
        acknowledged = set()
        asyncio.run(post_all(reports, self.intake_url, 10, 4))
        deadline = time.time() + 60
        while time.time() < deadline:
            acknowledged |= {g["to"] for g in tail.new_records() if g["status"] == 201 and g["to"] in phones}
            if len(acknowledged) >= len(reports):
                return
            time.sleep(0.2)
        raise RuntimeError("warm-up reports were not all acknowledged within 60 s")

    def end_to_end(self) -> None:
        print("\n== end to end ==", flush=True)
        intake_rate = self.results.get("intake", {}).get("measure", 500)
        ladder, peaks = [], {}
        def step_at(block: int, fraction: float) -> dict:
            self.fresh_stack()
            step = self.e2e_run(f"sustain{fraction:g}", block, intake_rate * fraction, self.args.e2e_seconds)
            step["fraction"] = fraction
            ladder.append(step)
            for service, mib in self.stack.peak_rss_mib().items():
                peaks[service] = max(peaks.get(service, 0), mib)
            return step

        # From the target (40 % of durable intake) down, halving until a rate holds the lag bounded;
        # then two bisections between the last bounded rate and the one above it, so a change that
        # moves the sustained rate by less than a factor of two still shows.
        bounded, unbounded = None, None
        for block, fraction in zip((6, 7, 8, 5), (0.4, 0.2, 0.1, 0.05)):
            if step_at(block, fraction)["bounded"]:
                bounded = fraction
                break
            unbounded = fraction
        if bounded is not None and unbounded is not None:
            for block in (1, 2):
                middle = (bounded + unbounded) / 2
                if step_at(block, middle)["bounded"]:
                    bounded = middle
                else:
                    unbounded = middle
        self.fresh_stack()
        latency = self.e2e_run("latency200", 9, 200, self.args.e2e_seconds)
        for service, mib in self.stack.peak_rss_mib().items():
            peaks[service] = max(peaks.get(service, 0), mib)
        self.results["e2e"] = {"intake_rate": intake_rate, "ladder": ladder, "latency": latency}
        self.results["rss_mib"] = peaks
        self.stack.stop_all()


def lag_bounded(backlogs: list[int], rate: float) -> bool:
    """Bounded when the backlog stopped growing: its mean over the last third of the run exceeds
    its mean over the middle third by less than one second of traffic. (Comparing the second
    half's peak with twice the first half's, as before, let a backlog that grew steadily from zero
    pass: a line's second-half peak is exactly twice its first-half peak.)"""
    if len(backlogs) < 3:
        return False
    third = len(backlogs) // 3
    middle, last = backlogs[third:2 * third], backlogs[2 * third:]
    return sum(last) / len(last) - sum(middle) / len(middle) < rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("--root", "--bin", "--stack-dir", "--pgbench", "--kafka-bench", "--command", "--micro"):
        parser.add_argument(name, required=True)
    parser.add_argument("--pg-port", type=int, required=True)
    parser.add_argument("--broker-port", type=int, required=True)
    parser.add_argument("--http-base", type=int, default=18080)
    parser.add_argument("--gateway-port", type=int, default=18089)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--e2e-seconds", type=int, default=60)
    parser.add_argument("--kafka-messages", type=int, default=200000)
    # A round takes well under a second, so a burst of other work on a shared machine can decide
    # it; three are averaged.
    parser.add_argument("--kafka-rounds", type=int, default=3)
    parser.add_argument("--drain-seconds", type=int, default=30, help="wait for the backlog after each end-to-end step")
    parser.add_argument("--only", default="intake,kafka,e2e")
    args = parser.parse_args()
    bench = Bench(args)
    parts = set(args.only.split(","))
    bench.stack.fresh_database()
    bench.stack.start_broker()
    try:
        if "intake" in parts:
            bench.intake()
        if "kafka" in parts:
            bench.kafka()
        if "e2e" in parts:
            bench.end_to_end()
    finally:
        bench.stack.stop_all()
    with open(f"{args.stack_dir}/results.json", "w") as out:
        json.dump(bench.results, out, indent=1, default=str)
    write_performance(args, bench.results)


if __name__ == "__main__":
    main()
