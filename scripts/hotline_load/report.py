"""Writes docs/performance.md from one bench run's results: every figure next to its baseline."""
from __future__ import annotations

import datetime
import os
import platform
import subprocess


def machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cpus = os.cpu_count()
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.strip().splitlines()[0]
    load = open("/proc/loadavg").read().split()[:3]
    return (f"{cpus} × {model} (shared with other engineers' builds; load average at the end of the run "
            f"{' / '.join(load)}), {platform.system()} {platform.release()}, {swift}\n\n```\n{memory}\n```")


def yes(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def write_performance(args, results: dict) -> None:
    """`args` needs root, command, micro, e2e_seconds and drain_seconds."""
    date = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    rows = []
    intake = results.get("intake")
    if intake:
        ratio = intake["measure"] / intake["baseline"]
        rows.append(f"| durable intake, AT SMS webhooks 2xx/s at 32 connections (wrk) | {intake['measure']:.0f}/s | "
                    f"pgbench 1-row INSERT, 32 clients: {intake['baseline']:.0f} tps | {ratio:.1%} | ≥ 50 % | {yes(ratio >= 0.5)} |")
        half = intake["half_rate"]
        rows.append(f"| intake p50 / p99 at half that rate ({half['rate']:.0f}/s, wrk paced) | "
                    f"{half['p50_ms']:.1f} / {half['p99_ms']:.1f} ms | — | — | p99 ≤ 20 ms | {yes(half['p99_ms'] <= 20)} |")
    kafka = results.get("kafka")
    if kafka:
        p, c = kafka["produce"], kafka["consume"]
        ratio = p["measure"] / p["baseline"]
        rows.append(f"| Kafka produce, 300-byte records with delivery reports, no key, as the baseline sends them (Swift wrapper) | {p['measure']:.0f}/s | "
                    f"rdkafka_performance -P: {p['baseline']:.0f}/s | {ratio:.1%} | ≥ 70 % | {yes(ratio >= 0.7)} |")
        if "measure_keyed" in p:
            keyed = p["measure_keyed"] / p["baseline"]
            rows.append(f"| Kafka produce, the same with a key per record (the services' shape; the baseline tool cannot key records one by one) | "
                        f"{p['measure_keyed']:.0f}/s | same | {keyed:.1%} | — | for information |")
        each = c["measure_each"] / c["baseline"]
        batched = c["measure_batched"] / c["baseline"]
        rows.append(f"| Kafka consume, a commit per batch of up to 1,000 records, each awaited while the next batch is polled (as the services' ConsumerWorker does) | "
                    f"{c['measure_batched']:.0f}/s | rdkafka_performance -G (auto-commit): {c['baseline']:.0f}/s | {batched:.1%} | "
                    f"≥ 70 % | {yes(batched >= 0.7)} |")
        if "measure_tool_prefetch" in c:
            tool = c["measure_tool_prefetch"] / c["baseline"]
            rows.append(f"| Kafka consume, the same with librdkafka's default prefetch queue (100,000 records, 64 MiB; what rdkafka_performance runs with; "
                        f"the services bound it to 250 records per partition and 1 MiB for memory) | {c['measure_tool_prefetch']:.0f}/s | same | {tool:.1%} | "
                        f"≥ 70 % | {yes(tool >= 0.7)} |")
        rows.append(f"| Kafka consume, a commit per record, each awaited (the same, with batches of one) | {c['measure_each']:.0f}/s | same | {each:.1%} | "
                    f"≥ 70 % | {yes(each >= 0.7)} |")
    e2e = results.get("e2e")
    if e2e:
        bounded = [s for s in e2e["ladder"] if s["bounded"]]
        best = max((s["rate"] for s in bounded), default=0.0)
        ratio = best / e2e["intake_rate"] if e2e["intake_rate"] else 0
        tried = ", ".join(f"{s['rate']:.0f}/s {'bounded' if s['bounded'] else 'not bounded'}" for s in e2e["ladder"])
        rows.append(f"| end to end, sustained reports/s with bounded lag over {args.e2e_seconds} s | {best:.0f}/s (tried {tried}) | "
                    f"durable intake: {e2e['intake_rate']:.0f}/s | {ratio:.1%} | ≥ 40 % | {yes(ratio >= 0.4)} |")
        lat = e2e["latency"]
        complete = lat["acknowledged"] == lat["posted"]
        rows.append(f"| end to end p50 / p99 at 200 reports/s (webhook sent → SMS at the fake gateway) | "
                    f"{lat['p50_ms']:.0f} / {lat['p99_ms']:.0f} ms over the {lat['acknowledged']} of {lat['posted']} "
                    f"acknowledged within {args.drain_seconds} s of the last webhook | — | — | p99 ≤ 1 s | "
                    f"{yes(complete and lat['p99_ms'] <= 1000)} |")
    for service, mib in sorted(results.get("rss_mib", {}).items()):
        rows.append(f"| peak RSS (VmHWM) of hotline-{service} during the end-to-end run | {mib:.1f} MiB | — | — | ≤ 80 MiB | "
                    f"{yes(mib <= 80)} |")

    details = []
    if intake:
        details.append("**Durable intake, rounds** (interleaved baseline then measure; each figure is a mean of the rounds):\n")
        for index, r in enumerate(intake["rounds"], 1):
            details.append(f"- round {index}: pgbench {r['pgbench_tps']:.0f} tps; intake {r['intake_per_second']:.0f} 2xx/s "
                           f"({r['non_2xx']} non-2xx, {r['errors']} socket errors; wrk latency p50 {r['wrk_p50_ms']:.1f} ms, "
                           f"p99 {r['wrk_p99_ms']:.1f} ms at saturation)")
        details.append(f"- durability check: {intake['stored_reports']} reports committed in PostgreSQL for "
                       f"{intake['accepted_measured']} 2xx answers in the measured rounds (plus the warm-up, the pace calibration and the half-rate runs)")
        half = intake["half_rate"]
        details.append(f"- half rate: {half['sent']} webhooks at {half['rate']:.0f}/s (half of {2 * half.get('target', half['rate']):.0f}/s; "
                       f"wrk, 32 connections each pausing {half.get('pace_ms', 0):.1f} ms after an answer), {half['accepted']} accepted, "
                       f"{half['failed']} failed; p50 {half['p50_ms']:.1f} ms, p99 {half['p99_ms']:.1f} ms\n")
    if kafka:
        details.append(f"**Kafka rounds** ({kafka['messages']} records of 300 bytes per round, the same Tansu broker):\n")
        for index, (b, s, *rest) in enumerate(kafka["produce"]["rounds"], 1):
            keyed = f", with a key per record {rest[0]:.0f}/s ({rest[0] / b:.0%})" if rest else ""
            details.append(f"- produce round {index}: rdkafka_performance {b:.0f}/s, Swift wrapper {s:.0f}/s ({s / b:.0%}){keyed}")
        for index, (b, e, t, *rest) in enumerate(kafka["consume"]["rounds"], 1):
            tool = f", the same with librdkafka's default prefetch {rest[0]:.0f}/s" if rest else ""
            details.append(f"- consume round {index}: rdkafka_performance {b:.0f}/s, Swift commit-each {e:.0f}/s, "
                           f"Swift commit-every-1000 {t:.0f}/s{tool}")
        details.append("")
    def sms_drain(step: dict) -> str:
        if "sms_total" not in step:
            return "other SMS not counted"
        if step.get("sms_drain_seconds") is not None:
            return f"all {step['sms_total']} SMS (acknowledgements, members' alerts, questions) sent {step['sms_drain_seconds']:.1f} s after"
        return f"{step['sms_total'] - step['sms_sent']} of {step['sms_total']} SMS still waiting 60 s after the last webhook"

    if e2e:
        details.append("**End-to-end runs** (backlog = webhooks answered 2xx − acknowledgements at the gateway, sampled every 5 s; "
                       "negative when acknowledgements reach the gateway before the load generator, on the same two cores, has "
                       "read the 2xx answers; a rate counts as bounded when the backlog's mean over the last third of the run exceeds its mean over "
                       "the middle third by less than one second of traffic, and the backlog drains within 10 s):\n")
        for s in e2e["ladder"] + [e2e["latency"]]:
            details.append(f"- {s['rate']:.0f}/s for {s['seconds']} s: {s['acknowledged']}/{s['posted']} acknowledged; backlog "
                           f"{[b for _, _, b in s['backlog_samples']]}; drained {s['drain_seconds']:.1f} s after the last webhook; "
                           f"latency p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms; " + sms_drain(s))
        details.append("")

    micro = open(args.micro).read().strip() if os.path.exists(args.micro) else "(not re-run in this bench run)"
    notes_path = os.path.join(args.root, "docs", "performance-notes.md")
    notes = open(notes_path).read().strip() if os.path.exists(notes_path) else ""
    text = f"""# Performance

Generated by `scripts/bench.sh` on {date}. Every figure here was measured in that run, next to its
baseline on the same machine, the same PostgreSQL and the same broker; ratios are what to compare,
because the machine is shared and noisy.

## Machine

{machine()}

## Command

```sh
{args.command}
```

## Results

| measure | measured | baseline (same run) | ratio | target | met? |
| --- | ---: | ---: | ---: | --- | --- |
{chr(10).join(rows)}

{chr(10).join(details)}
## Micro benchmarks (package-benchmark, `Benchmarks/`)

{micro}

{notes}
"""
    with open(os.path.join(args.root, "docs", "performance.md"), "w") as out:
        out.write(text)
    print(f"wrote docs/performance.md", flush=True)
