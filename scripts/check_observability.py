#!/usr/bin/env python3
"""Checks the Grafana dashboard and the Prometheus alert rules against the metrics the services export.

Every `hotline_*` metric an expression uses must be declared in the Swift sources (a `Counter`,
`Gauge`, `Timer` or `Recorder` with that label) or be one of the PLANNED metrics that other
engineers are adding now. `_bucket`, `_sum` and `_count` are accepted only on histograms
(Timers, Recorders, and planned `*_seconds` metrics). Exits non-zero, naming every problem.

Usage: check_observability.py REPO_ROOT
"""
import json
import pathlib
import re
import sys

import yaml

# Names agreed with the notification and accountability work, not all in the sources yet.
# Labels in braces are informative only. Keep in step with docs/scaling.md and the dashboard.
PLANNED = {
    "hotline_kafka_consumer_lag": "gauge",  # {group, topic}
    "hotline_sms_sent_total": "counter",  # {provider}
    "hotline_sms_failed_total": "counter",  # {provider, reason}
    "hotline_sms_segments_total": "counter",  # {provider, encoding}
    "hotline_notification_dispatch_duration_seconds": "histogram",
    "hotline_notifications_pending": "gauge",
    "hotline_deadline_breaches_total": "counter",  # {priority, level}
    "hotline_escalations_total": "counter",  # {level}
    "hotline_case_transitions_total": "counter",  # {from, to, channel}
}
# Metrics Prometheus itself attaches to every scrape.
BUILTIN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
SWIFT_METRIC = re.compile(r'\b(Counter|Gauge|Timer|Recorder|Meter|FloatingPointCounter)\s*\(\s*label:\s*"(hotline_[a-z0-9_]+)"')
SWIFT_STRING = re.compile(r'"(hotline_[a-z0-9_]+)"')
HOTLINE_NAME = re.compile(r"\bhotline_[a-z0-9_]+\b")
# A bare identifier directly followed by a selector or range: a metric name in PromQL.
SELECTED_NAME = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{|\[)")
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless"}


def swift_metrics(root: pathlib.Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in root.rglob("*.swift"):
        if ".build" in path.parts or ".tools" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        # A name held in a constant or built elsewhere: known, kind guessed from its unit suffix.
        for name in SWIFT_STRING.findall(text):
            if name.endswith("_total") or name.endswith("_seconds") or not name.endswith(HISTOGRAM_SUFFIXES):
                found.setdefault(name, "histogram" if name.endswith("_seconds") else "metric")
        for kind, name in SWIFT_METRIC.findall(text):
            found[name] = "histogram" if kind in ("Timer", "Recorder") else kind.lower()
    return found


def check_expr(where: str, expr: str, known: dict[str, str], used: set[str], problems: list[str]) -> None:
    if not expr.strip():
        problems.append(f"{where}: empty expression")
        return
    for name in set(HOTLINE_NAME.findall(expr)):
        base = name
        if name not in known:
            for suffix in HISTOGRAM_SUFFIXES:
                if name.endswith(suffix) and name[: -len(suffix)] in known:
                    base = name[: -len(suffix)]
                    if known[base] in ("counter", "gauge"):
                        problems.append(f"{where}: {name} used, but {base} is a {known[base]}, not a histogram")
                    break
            else:
                problems.append(f"{where}: unknown metric {name}")
                continue
        elif known[name] == "histogram":
            problems.append(f"{where}: {name} is a histogram; query {name}_bucket, _sum or _count")
        used.add(base)
    for name in set(SELECTED_NAME.findall(expr)):
        if name.startswith("hotline_") or name in BUILTIN or name in PROMQL_WORDS:
            continue
        problems.append(f"{where}: unexpected metric or identifier {name!r} before a selector")


def walk_panels(panels):
    for panel in panels:
        yield panel
        yield from walk_panels(panel.get("panels", []))


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems: list[str] = []
    from_swift = swift_metrics(root)
    if not from_swift:
        problems.append("no hotline_* metrics found in the Swift sources (wrong root?)")
    known = {**PLANNED, **from_swift}
    used: set[str] = set()

    dashboards = sorted((root / "deploy/grafana/dashboards").glob("*.json"))
    if not dashboards:
        problems.append("no dashboard JSON under deploy/grafana/dashboards")
    datasources = yaml.safe_load((root / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    uids = {d["uid"] for d in datasources["datasources"]}
    for path in dashboards:
        try:
            dashboard = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            problems.append(f"{path.name}: not valid JSON: {error}")
            continue
        for field in ("uid", "title", "panels", "schemaVersion"):
            if field not in dashboard:
                problems.append(f"{path.name}: missing {field}")
        variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
        if "datasource" in variables and variables["datasource"].get("current", {}).get("value") not in uids:
            problems.append(f"{path.name}: default datasource is not one provisioned ({sorted(uids)})")
        ids = [p.get("id") for p in walk_panels(dashboard.get("panels", []))]
        if len(ids) != len(set(ids)):
            problems.append(f"{path.name}: duplicate panel ids")
        count = 0
        for panel in walk_panels(dashboard.get("panels", [])):
            if panel.get("type") == "row":
                continue
            if not panel.get("targets"):
                problems.append(f"{path.name}: panel {panel.get('title')!r} has no query")
            for target in panel.get("targets", []):
                count += 1
                check_expr(f"{path.name}: panel {panel.get('title')!r}", target.get("expr", ""), known, used, problems)
        print(f"{path.name}: {count} queries in {len(ids)} panels")

    alerts = yaml.safe_load((root / "deploy/prometheus/alerts.yml").read_text())
    rules = [r for g in alerts["groups"] for r in g["rules"]]
    for rule in rules:
        check_expr(f"alerts.yml: {rule.get('alert') or rule.get('record')}", str(rule.get("expr", "")), known, used, problems)
    print(f"alerts.yml: {len(rules)} rules")

    pending = sorted(n for n in used if n not in from_swift)
    unused = sorted(n for n in from_swift if n not in used)
    if pending:
        print("metrics used but not yet in the Swift sources (agreed names, being added): " + ", ".join(pending))
    if unused:
        # Not an error: a new metric should not break the build, but it belongs on the dashboard.
        print("WARNING metrics exported but on no dashboard panel or alert: " + ", ".join(unused))
    if problems:
        for problem in problems:
            print(f"ERROR {problem}", file=sys.stderr)
        return 1
    print(f"dashboard and alerts: every metric is known ({len(from_swift)} from the Swift sources, {len(PLANNED)} agreed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
