"""Exact end-state checks: webhook → case → acknowledgement SMS, no duplicates, no losses."""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections import Counter, defaultdict

from .stack import Stack, wait_until
from .traffic import Report


class Checks:
    """Collects named assertions; each prints PASS/FAIL with the evidence."""

    def __init__(self, scenario: str):
        self.scenario = scenario
        self.passed = 0
        self.failed = 0

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(f"  [{'PASS' if ok else 'FAIL'}] {self.scenario}: {name}{' — ' + detail if detail else ''}", flush=True)
        return ok


def gateway_records(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class GatewayTail:
    """Reads a gateway record incrementally: each call parses only the lines appended since the
    last one (a half-written last line waits for the next call), so polling it stays cheap however
    long the record grows."""

    def __init__(self, path: str, start_at_end: bool = False):
        self.path = path
        self.offset = os.path.getsize(path) if start_at_end and os.path.exists(path) else 0

    def new_records(self) -> list[dict]:
        if not os.path.exists(self.path):
            return []
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1
        self.offset += end
        return [json.loads(line) for line in chunk[:end].decode("utf-8").splitlines() if line.strip()]


def counts(stack: Stack) -> tuple[int, int]:
    cases = int(stack.psql("SELECT count(*) FROM routing.cases")[0][0])
    pending = int(stack.psql("SELECT count(*) FROM notification.notifications WHERE status IN ('queued','sending','unknown')")[0][0])
    return cases, pending


def wait_for_drain(stack: Stack, reports: list[Report], record: str, timeout: float, settle: float = 5) -> None:
    """Waits until every accepted report has a case and an accepted SMS, then `settle` s more for stragglers."""
    expected = sum(1 for r in reports if r.accepted)
    phones = {r.phone for r in reports}

    def drained():
        stack.supervise()
        try:
            cases, pending = counts(stack)
        except Exception:
            return False
        sent = sum(1 for g in gateway_records(record) if g["status"] == 201 and g["to"] in phones)
        return cases >= expected and sent >= expected and pending == 0

    try:
        wait_until(drained, timeout, f"{expected} cases and acknowledgements", interval=1)
    except TimeoutError as error:
        print(f"  (drain) {error}; consumer lag and outboxes for the diagnosis:", flush=True)
        lag = subprocess.run([f"{stack.bin_dir}/hotlinectl", "topics", "lag"], env=stack.env_for("ctl"),
                             capture_output=True, text=True)
        print("    " + (lag.stdout + lag.stderr).strip().replace("\n", "\n    "), flush=True)
        for schema in ("intake", "routing", "accountability", "notification"):
            unpublished = stack.psql(f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL")[0][0]
            print(f"    {schema}.outbox unpublished: {unpublished}", flush=True)
    time.sleep(settle)


def exactness(checks: Checks, stack: Stack, reports: list[Report], record: str, rate_limit: tuple[float, float]) -> None:
    n = len(reports)
    accepted = [r for r in reports if r.accepted]
    checks.check("every webhook eventually answered 2xx (gateway retries)", len(accepted) == n,
                 f"{len(accepted)}/{n} accepted")

    inbound = dict(stack.psql("SELECT gateway_message_id, reference_code FROM intake.inbound_messages "
                              "WHERE channel = 'africastalking_sms' AND kind = 'report'"))
    cases = Counter(row[0] for row in stack.psql("SELECT reference_code FROM routing.cases"))
    account = Counter(row[0] for row in stack.psql("SELECT reference_code FROM accountability.cases"))
    ids = {r.id for r in reports}
    missing_inbound = [r.id for r in accepted if r.id not in inbound]
    checks.check("every 2xx-accepted webhook is stored once as a report", not missing_inbound,
                 f"{len(missing_inbound)} missing, e.g. {missing_inbound[:3]}" if missing_inbound else f"{len(inbound)} stored")
    codes = {r.id: inbound.get(r.id) for r in accepted}
    lost = [i for i, c in codes.items() if c is None or cases[c] == 0]
    doubled = [c for c, k in cases.items() if k > 1]
    foreign = [c for c in cases if c not in set(inbound.values())]
    checks.check("every accepted report is exactly one routed case", not lost and not doubled and not foreign
                 and sum(cases.values()) == len(inbound),
                 f"cases {sum(cases.values())}, reports {len(inbound)}, lost {len(lost)}, duplicated {len(doubled)}, "
                 f"without report {len(foreign)}")
    account_lost = [i for i, c in codes.items() if c is None or account[c] == 0]
    checks.check("accountability holds each case exactly once", not account_lost and sum(account.values()) == len(inbound),
                 f"accountability cases {sum(account.values())}, lost {len(account_lost)}")
    unexpected_ids = [i for i in inbound if i not in ids]
    checks.check("no report from an id this run did not post", not unexpected_ids, f"{len(unexpected_ids)} unexpected")

    records = gateway_records(record)
    sent = [g for g in records if g["status"] == 201]
    by_phone = defaultdict(list)
    for g in sent:
        by_phone[g["to"]].append(g)
    no_sms, extra_sms, wrong_code = [], [], []
    for r in accepted:
        messages = by_phone.get(r.phone, [])
        if not messages:
            no_sms.append(r.id)
        elif len(messages) > 1:
            extra_sms.append(r.id)
        elif codes.get(r.id) and codes[r.id] not in messages[0]["text"]:
            wrong_code.append(r.id)
    phones = {r.phone for r in reports}
    acknowledgements = [g for g in sent if g["to"] in phones]
    checks.check("every case has exactly one acknowledgement SMS at the gateway, carrying its code",
                 not no_sms and not extra_sms and not wrong_code and len(acknowledgements) == len(inbound),
                 f"acknowledgements {len(acknowledgements)} for {len(inbound)} cases; none {len(no_sms)}, >1 {len(extra_sms)}, "
                 f"wrong code {len(wrong_code)}")
    # Routing also alerts committee members (reference/members.csv) of each case: never twice, never
    # for a case that does not exist.
    alerts = Counter()
    orphans = 0
    for g in sent:
        if g["to"] in phones:
            continue
        code = next((word for word in re.findall(r"\b[0-9A-Z]{6}\b", g["text"]) if word in cases), None)
        if code is None:
            orphans += 1
        alerts[(g["to"], code)] += 1
    repeated = sum(1 for k in alerts.values() if k > 1)
    checks.check("member alerts: none repeated (per member and case), none without a case", repeated == 0 and orphans == 0,
                 f"{sum(alerts.values())} alerts to {len({to for to, _ in alerts})} members for "
                 f"{len({c for _, c in alerts})} cases; repeated {repeated}, without a case {orphans}")

    per_second, burst = rate_limit
    times = sorted(g["t"] for g in records)
    worst, left = 0, 0
    for right, t in enumerate(times):
        while t - times[left] >= 1.0:
            left += 1
        worst = max(worst, right - left + 1)
    checks.check("gateway rate limit never exceeded (sends in any 1 s window ≤ rate + burst)",
                 worst <= per_second + burst, f"busiest 1 s window {worst} sends; limit {per_second:g}/s + burst {burst:g}")
    statuses = dict(stack.psql("SELECT status, count(*) FROM notification.notifications GROUP BY status"))
    checks.check("no notification left failed, unknown or pending", set(statuses) <= {"sent", "delivered"},
                 f"statuses {statuses}")
    checks.check("no service exited on its own", not stack.unexpected_exits, f"unexpected exits {stack.unexpected_exits}")
