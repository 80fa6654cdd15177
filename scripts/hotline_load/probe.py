"""Where does an end-to-end run queue up? (PostgreSQL must already run: scripts/lib/stack.sh.) Posts at a rate and prints, every 5 s, each consumer
group's lag, each outbox's backlog and the notification statuses. A diagnostic, not a benchmark:

    cd scripts && python -m hotline_load.probe --root .. --bin ../.build/release --stack-dir /tmp/probe \
        --pg-port 25643 --broker-port 29643 --rate 150 --seconds 40
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import time

from .stack import Stack
from .traffic import make_reports, post_all


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--root", "--bin", "--stack-dir"):
        parser.add_argument(name, required=True)
    parser.add_argument("--pg-port", type=int, required=True)
    parser.add_argument("--broker-port", type=int, required=True)
    parser.add_argument("--rate", type=float, default=150)
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for every service")
    a = parser.parse_args()
    env = {"HOTLINE_INTAKE_SENDER_LIMIT_PER_HOUR": "100000", "HOTLINE_SMS_PROVIDER": "africastalking",
           "HOTLINE_SMS_RATE_PER_SECOND": "2000", "HOTLINE_SMS_RATE_BURST": "200", "HOTLINE_SMS_DISPATCHERS": "2", "HOTLINE_SMS_DISPATCH_BATCH": "64"}
    env.update(dict(item.split("=", 1) for item in a.env))
    stack = Stack(root=a.root, bin_dir=a.bin, stack_dir=a.stack_dir, pg_port=a.pg_port, broker_port=a.broker_port,
                  http_base=18280, gateway_port=18289, db_name="probe", service_env=env)
    os.makedirs(f"{a.stack_dir}/logs", exist_ok=True)
    stack.start_broker()
    stack.fresh_database()
    stack.start_gateway(f"{a.stack_dir}/gateway-probe.jsonl")
    stack.start_all()
    try:
        reports = make_reports(f"probe-{int(time.time())}", 3, int(a.rate * a.seconds), seed=3)
        url = f"http://127.0.0.1:{stack.port('intake')}/v1/inbound/africastalking/sms?token=dev-africastalking-token"

        def sample(elapsed: int) -> None:
            lag = subprocess.run([f"{a.bin}/hotlinectl", "topics", "lag"], env=stack.env_for("ctl"), capture_output=True,
                                 text=True).stdout.split()
            rows = stack.psql("SELECT status, count(*) FROM notification.notifications GROUP BY 1 ORDER BY 1")
            outboxes = [stack.psql(f"SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL")[0][0]
                        for s in ("intake", "routing", "accountability", "notification")]
            cases = stack.psql("SELECT count(*) FROM accountability.cases")[0][0]
            print(f"t={elapsed:3d}s cases={cases} outbox(i,r,a,n)={outboxes} sms={dict((r[0], r[1]) for r in rows)} "
                  f"lag={' '.join(lag)}", flush=True)

        async def during(expected: float):
            started = time.time()
            while time.time() - started < expected + 60:
                await asyncio.sleep(5)
                await asyncio.to_thread(sample, round(time.time() - started))

        asyncio.run(post_all(reports, url, a.rate, 64, during=during))
    finally:
        stack.stop_all()
        stack.stop_gateway()
        stack.stop_broker()
        stack.stop_postgres()


if __name__ == "__main__":
    main()
