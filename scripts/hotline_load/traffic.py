"""Africa's Talking SMS webhooks with unique ids and phones, posted at a set rate, every attempt recorded.

A report whose webhook is not answered 2xx is posted again with the same id, as the gateway itself
would retry, until it is accepted or the run's retry deadline passes.
"""
from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field

import aiohttp

TEXTS = [
    "Des hommes armés ont attaqué le marché de {p} cette nuit, aidez nous vite",
    "Vol de bétail à {p}, les voleurs sont partis vers la brousse avec trente bœufs",
    "Les policiers du poste de contrôle de {p} demandent de l'argent à chaque passage",
    "Conflit entre éleveurs et agriculteurs à {p}, les champs de mil sont détruits",
    "Une femme a été battue par son mari à {p}, elle a peur de rentrer chez elle",
    "Des inconnus transportent des armes dans un camion vers {p} ce matin",
    "Enlèvement d'un commerçant sur la route de {p}, la famille demande de l'aide",
    "Incendie volontaire de greniers à {p}, les villageois accusent des jeunes armés",
]
PLACES = ["Sévaré", "Mopti", "Gao", "Douentza", "Niono", "Tombouctou", "Ségou", "Bandiagara", "Kidal", "Ménaka"]


@dataclass
class Report:
    id: str
    phone: str
    text: str
    attempts: list = field(default_factory=list)   # (sent, answered, status); status 0 = no answer
    replays: list = field(default_factory=list)    # the same, for deliberate duplicate deliveries

    @property
    def accepted(self) -> bool:
        return any(200 <= a[2] < 300 for a in self.attempts)

    @property
    def first_sent(self) -> float:
        return self.attempts[0][0]


def make_reports(prefix: str, phone_block: int, count: int, seed: int) -> list[Report]:
    """Unique ids `<prefix>-<i>` and unique fictional Malian numbers +223 7<block><6 digits>."""
    rng = random.Random(seed)
    assert 0 <= phone_block <= 9 and count <= 1_000_000
    return [Report(id=f"{prefix}-{i}", phone=f"+2237{phone_block}{i:06d}",
                   text=rng.choice(TEXTS).format(p=rng.choice(PLACES))) for i in range(count)]


def form_body(report: Report) -> dict:
    return {"from": report.phone, "to": "20123", "text": report.text, "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "id": report.id, "linkId": "", "networkCode": "61001"}


async def post_once(session: aiohttp.ClientSession, url: str, report: Report) -> tuple[float, float, int]:
    sent = time.time()
    try:
        async with session.post(url, data=form_body(report)) as response:
            await response.read()
            return sent, time.time(), response.status
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return sent, time.time(), 0


async def deliver(session, url, report: Report, retry_until: float, retry_delay: float) -> None:
    while True:
        attempt = await post_once(session, url, report)
        report.attempts.append(attempt)
        if 200 <= attempt[2] < 300 or time.time() > retry_until:
            return
        await asyncio.sleep(retry_delay)


async def replay(session, url, report: Report, delay: float) -> None:
    await asyncio.sleep(delay)
    report.replays.append(await post_once(session, url, report))


async def post_all(reports: list[Report], url: str, rate: float, concurrency: int, retry_window: float = 300,
                   retry_delay: float = 0.5, replays: dict | None = None, during=None) -> float:
    """Posts every report at `rate` per second; `replays` maps a report index to [(delay s, concurrent?)].
    `during` is an async callable run alongside (fault injection), given the expected duration.
    Returns the wall time the posting took."""
    replays = replays or {}
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=15)
    started = time.time()
    expected = len(reports) / rate
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        side = asyncio.create_task(during(expected)) if during else None
        tasks = []
        for index, report in enumerate(reports):
            due = started + index / rate
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(deliver(session, url, report, time.time() + retry_window, retry_delay)))
            for replay_delay, _ in replays.get(index, []):
                tasks.append(asyncio.create_task(replay(session, url, report, replay_delay)))
        await asyncio.gather(*tasks)
        if side:
            await side
    return time.time() - started


def write_record(path: str, reports: list[Report]) -> None:
    """Every (id, from, attempt statuses): the exact record the checks compare against."""
    with open(path, "w", encoding="utf-8") as out:
        for r in reports:
            out.write(json.dumps({"id": r.id, "from": r.phone, "statuses": [a[2] for a in r.attempts],
                                  "replay_statuses": [a[2] for a in r.replays]}) + "\n")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]
