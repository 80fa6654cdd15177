"""The five fault scenarios of issue 8, against the real service executables, PostgreSQL, Tansu and the
fake SMS gateway. Each asserts exactly and prints PASS/FAIL lines; the last line is `N passed, N failed`.

Run through scripts/faults.sh (which starts PostgreSQL and builds); `--quick` is the small kill scenario
scripts/test.sh runs after the test suite.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time

from .checks import Checks, exactness, gateway_records, wait_for_drain
from .stack import SERVICES, Stack
from .traffic import make_reports, post_all, write_record

RATE_LIMIT = (300.0, 30.0)  # HOTLINE_SMS_RATE_PER_SECOND, HOTLINE_SMS_RATE_BURST for every scenario


def base_env(provider: str) -> dict:
    return {"HOTLINE_SMS_PROVIDER": provider, "HOTLINE_SMS_RATE_PER_SECOND": str(RATE_LIMIT[0]),
            "HOTLINE_SMS_RATE_BURST": str(RATE_LIMIT[1]), "HOTLINE_SMS_DISPATCHERS": "8",
            "HOTLINE_SMS_MAX_ATTEMPTS": "10", "HOTLINE_SMS_RETRY_INITIAL_MS": "200", "HOTLINE_SMS_RETRY_MAX_SECONDS": "2",
            # A killed notification service leaves claimed messages; reconcile them within seconds, not minutes.
            "HOTLINE_SMS_CLAIM_LEASE_SECONDS": "12", "HOTLINE_SMS_HTTP_TIMEOUT_SECONDS": "5",
            "HOTLINE_SMS_RECONCILE_SECONDS": "2", "HOTLINE_INTAKE_SENDER_LIMIT_PER_HOUR": "1000",
            # While PostgreSQL is down every webhook waits out the request deadline before its 503; at
            # 5 s, two waves of the driver's connections could straddle the 10 s outage so that none
            # began and ended inside it (20,000-report run, 2026-11-23), leaving the 503 check blind.
            "HOTLINE_REQUEST_DEADLINE_MS": "2000"}


class Runner:
    def __init__(self, args):
        self.args = args
        self.passed = 0
        self.failed = 0

    def stack(self, name: str, provider: str) -> Stack:
        a = self.args
        stack = Stack(root=a.root, bin_dir=a.bin, stack_dir=a.stack_dir, pg_port=a.pg_port, broker_port=a.broker_port,
                      http_base=a.http_base, gateway_port=a.gateway_port, db_name=f"faults_{name}",
                      service_env=base_env(provider))
        os.makedirs(f"{a.stack_dir}/logs", exist_ok=True)
        return stack

    def run(self, name: str, number: int, provider: str, body, fail_share: float = 0.0) -> None:
        print(f"\n== scenario {name} ({self.args.reports} reports at {self.args.rate:g}/s, provider {provider}) ==", flush=True)
        checks = Checks(name)
        stack = self.stack(name, provider)
        record = f"{self.args.stack_dir}/gateway-{name}.jsonl"
        if os.path.exists(record):
            os.remove(record)
        reports = make_reports(f"{name}-{int(time.time())}", number, self.args.reports, seed=number)
        try:
            stack.fresh_database()
            stack.start_broker()
            stack.start_gateway(record, fail_share=fail_share, seed=number)
            stack.start_all()
            after = body(stack, reports, checks)
            wait_for_drain(stack, reports, record, timeout=self.args.drain_timeout)
            write_record(f"{self.args.stack_dir}/webhooks-{name}.jsonl", reports)
            exactness(checks, stack, reports, record, RATE_LIMIT)
            if after:
                after(stack, record, checks)
        except Exception as error:  # a scenario that cannot finish fails loudly, the others still run
            checks.check("scenario ran to completion", False, f"{type(error).__name__}: {error}")
        finally:
            stack.stop_all()
        self.passed += checks.passed
        self.failed += checks.failed

    def post(self, stack: Stack, reports, during=None, replays=None) -> float:
        url = f"http://127.0.0.1:{stack.port('intake')}/v1/inbound/africastalking/sms?token=dev-africastalking-token"
        return asyncio.run(post_all(reports, url, self.args.rate, self.args.concurrency, during=during, replays=replays))

    # MARK: Scenarios

    def kills(self, stack: Stack, reports, checks: Checks, services=SERVICES, per_service=None) -> None:
        rng = random.Random(1)
        plan = [s for s in services for _ in range(per_service or self.args.kills)]
        rng.shuffle(plan)
        done = []

        async def inject(expected: float):
            for index, service in enumerate(plan):
                # Spread the kills over the middle 80 % of the run, at random moments.
                slot = expected * (0.1 + 0.8 * (index + rng.random()) / len(plan))
                await asyncio.sleep(max(0.0, slot - (time.time() - started)))
                stack.kill9(service)
                await asyncio.sleep(rng.uniform(0.5, 2.0))
                stack.start_service(service, wait=False)
                done.append(service)
            for service in services:
                await asyncio.to_thread(stack.wait_ready, service)

        started = time.time()
        self.post(stack, reports, during=inject)
        checks.check(f"{len(done)} kill -9 and restarts performed", len(done) == len(plan), ", ".join(done))

    def postgres_outage(self, stack: Stack, reports, checks: Checks) -> None:
        window = {}

        async def outage(expected: float):
            await asyncio.sleep(expected / 2)
            await asyncio.to_thread(stack.stop_postgres)
            window["down"] = time.time()
            await asyncio.sleep(10)
            window["up"] = time.time()
            await asyncio.to_thread(stack.start_postgres)

        self.post(stack, reports, during=outage)
        inside = [a for r in reports for a in r.attempts if a[0] >= window["down"] and a[1] <= window["up"]]
        statuses = sorted({a[2] for a in inside})
        checks.check("intake answered during the outage, and only 503 (never 2xx)", inside and statuses == [503],
                     f"{len(inside)} webhooks inside the 10 s outage, statuses {statuses}")

    def broker_freeze(self, stack: Stack, reports, checks: Checks) -> None:
        window = {}

        async def freeze(expected: float):
            await asyncio.sleep(max(1.0, expected / 2 - 15))
            stack.freeze_broker()
            window["frozen"] = time.time()
            await asyncio.sleep(30)
            window["thawed"] = time.time()
            stack.thaw_broker()

        self.post(stack, reports, during=freeze)
        inside = [a for r in reports for a in r.attempts if a[0] >= window["frozen"] and a[1] <= window["thawed"]]
        ok = sum(1 for a in inside if 200 <= a[2] < 300)
        checks.check("intake kept accepting into the outbox while the broker was frozen", inside and ok == len(inside),
                     f"{ok}/{len(inside)} webhooks inside the 30 s freeze answered 2xx")
        backlog = stack.psql("SELECT count(*) FROM intake.outbox WHERE published_at IS NULL")[0][0]
        print(f"  outbox backlog right after posting: {backlog}", flush=True)

    def gateway_duplicates(self, stack: Stack, reports, checks: Checks) -> None:
        rng = random.Random(4)
        replays = {}
        for index in rng.sample(range(len(reports)), len(reports) // 10):
            concurrent = rng.random() < 0.3
            replays[index] = [(0.0 if concurrent else rng.uniform(0.05, 5.0), concurrent)
                              for _ in range(rng.randint(1, 5))]
        self.post(stack, reports, replays=replays)
        sent = sum(len(v) for v in replays.values())
        answered = sum(1 for r in reports for a in r.replays if 200 <= a[2] < 300)
        checks.check("10 % of webhooks replayed 1–5 times, some concurrently; replays answered 2xx", answered == sent,
                     f"{len(replays)} reports replayed {sent} times, {sum(1 for v in replays.values() if v[0][1])} concurrently; "
                     f"{answered} answered 2xx")

    def gateway_errors(self, stack: Stack, reports, checks: Checks):
        self.post(stack, reports)

        def after(stack: Stack, record: str, checks: Checks) -> None:
            records = gateway_records(record)
            refused = sum(1 for g in records if g["status"] in (429, 503))
            checks.check("the gateway refused about 20 % of sends with 429 or 503", 0.15 <= refused / max(1, len(records)) <= 0.25,
                         f"{refused} of {len(records)} send attempts refused")
            worst = int(stack.psql("SELECT coalesce(max(attempts), 0) FROM notification.notifications")[0][0])
            checks.check("every SMS sent within the retry limit (HOTLINE_SMS_MAX_ATTEMPTS=10)", worst <= 10,
                         f"most attempts for one SMS: {worst}")
        return after


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--stack-dir", required=True)
    parser.add_argument("--pg-port", type=int, required=True)
    parser.add_argument("--broker-port", type=int, required=True)
    parser.add_argument("--http-base", type=int, default=18080)
    parser.add_argument("--gateway-port", type=int, default=18089)
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=150)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--kills", type=int, default=3, help="kill -9 of each service in scenario 1")
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--scenarios", default="1,2,3,4,5")
    parser.add_argument("--quick", action="store_true", help="one kill scenario (routing and notification once each)")
    args = parser.parse_args()

    runner = Runner(args)
    if args.quick:
        runner.run("quick_kill", 1, "twilio", lambda s, r, c: runner.kills(s, r, c, ("routing", "notification"), 1))
    else:
        chosen = set(args.scenarios.split(","))
        scenarios = [
            ("1", "kill9", "twilio", runner.kills, 0.0),
            ("2", "postgres_stop", "africastalking", runner.postgres_outage, 0.0),
            ("3", "broker_freeze", "africastalking", runner.broker_freeze, 0.0),
            ("4", "gateway_duplicates", "africastalking", runner.gateway_duplicates, 0.0),
            ("5", "gateway_errors", "africastalking", runner.gateway_errors, 0.2),
        ]
        for number, name, provider, body, fail_share in scenarios:
            if number in chosen:
                runner.run(name, int(number), provider, body, fail_share)
    print(f"{runner.passed} passed, {runner.failed} failed", flush=True)
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
