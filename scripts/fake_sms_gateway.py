#!/usr/bin/env python3
"""A standalone fake SMS gateway (Africa's Talking and Twilio shapes) for benchmarks and fault injection.

It answers like Tests/FakeGateway (the Swift fake the unit tests use) and appends one JSON line per
request to --record: {"t": unix time, "provider", "to", "text", "id", "status"} where status is the
HTTP status it answered (201 accepted; 429 or 503 refused). Only 201 lines are sent messages.
--fail-share makes that share of sends answer 429 (with Retry-After: 1) or 503, chosen at random.
Twilio's list and fetch endpoints answer from what was accepted, so crash reconciliation works.

Usage: fake_sms_gateway.py --port 18089 --record sms.jsonl [--fail-share 0.2] [--seed 1]
"""
import argparse
import asyncio
import json
import random
import time
import urllib.parse
import uuid
from urllib.parse import parse_qsl

from aiohttp import web


class Gateway:
    def __init__(self, record_path: str, fail_share: float, seed: int):
        self.record = open(record_path, "a", buffering=1, encoding="utf-8")
        self.fail_share = fail_share
        self.random = random.Random(seed)
        self.accepted_by_sid: dict[str, dict] = {}
        self.accepted_by_to: dict[str, list[dict]] = {}

    def log(self, provider: str, to: str, text: str, message_id: str, status: int) -> None:
        self.record.write(json.dumps({"t": time.time(), "provider": provider, "to": to, "text": text,
                                      "id": message_id, "status": status}, ensure_ascii=False) + "\n")

    def refusal(self) -> int | None:
        if self.fail_share > 0 and self.random.random() < self.fail_share:
            return 429 if self.random.random() < 0.5 else 503
        return None

    @staticmethod
    async def form(request: web.Request) -> dict[str, str]:
        return dict(parse_qsl(await request.text(), keep_blank_values=True))

    async def africastalking(self, request: web.Request) -> web.Response:
        form = await self.form(request)
        to, text = form.get("to", ""), form.get("message", "")
        refused = self.refusal()
        if refused is not None:
            self.log("africastalking", to, text, "", refused)
            headers = {"Retry-After": "1"} if refused == 429 else {}
            return web.json_response({"error": f"fake refusal {refused}"}, status=refused, headers=headers)
        message_id = "ATXid_" + uuid.uuid4().hex
        self.log("africastalking", to, text, message_id, 201)
        return web.json_response({"SMSMessageData": {"Message": "Sent to 1/1 Total Cost: XOF 25", "Recipients": [
            {"statusCode": 101, "number": to, "status": "Success", "cost": "XOF 25", "messageId": message_id}]}}, status=201)

    @staticmethod
    def twilio_message(message: dict, status: str) -> dict:
        return {"sid": message["sid"], "to": message["to"], "body": message["body"], "status": status,
                "num_segments": "1", "direction": "outbound-api"}

    async def twilio_create(self, request: web.Request) -> web.Response:
        form = await self.form(request)
        to, body = form.get("To", ""), form.get("Body", "")
        refused = self.refusal()
        if refused is not None:
            self.log("twilio", to, body, "", refused)
            headers = {"Retry-After": "1"} if refused == 429 else {}
            return web.json_response({"code": 20429 if refused == 429 else 20500, "message": "fake refusal",
                                      "status": refused}, status=refused, headers=headers)
        message = {"sid": "SM" + uuid.uuid4().hex, "to": to, "body": body}
        self.accepted_by_sid[message["sid"]] = message
        self.accepted_by_to.setdefault(to, []).append(message)
        self.log("twilio", to, body, message["sid"], 201)
        return web.json_response(self.twilio_message(message, "queued"), status=201)

    async def twilio_list(self, request: web.Request) -> web.Response:
        # As Twilio: newest first, PageSize per page, next_page_uri until the list ends.
        to = request.query.get("To")
        messages = self.accepted_by_to.get(to, []) if to else list(self.accepted_by_sid.values())
        newest_first = list(reversed(messages))
        size = max(1, min(1000, int(request.query.get("PageSize", "50"))))
        page = int(request.query.get("Page", "0"))
        chunk = newest_first[page * size:(page + 1) * size]
        next_uri = None
        if (page + 1) * size < len(newest_first):
            query = urllib.parse.urlencode([(k, v) for k, v in request.query.items() if k != "Page"] + [("Page", str(page + 1))])
            next_uri = f"{request.path}?{query}"
        return web.json_response({"messages": [self.twilio_message(m, "sent") for m in chunk],
                                  "page": page, "page_size": size, "next_page_uri": next_uri})

    async def twilio_fetch(self, request: web.Request) -> web.Response:
        sid = request.match_info["file"].removesuffix(".json")
        message = self.accepted_by_sid.get(sid)
        if message is None:
            return web.json_response({"code": 20404, "message": "The requested resource was not found", "status": 404},
                                     status=404)
        return web.json_response(self.twilio_message(message, "delivered"))

    async def health(self, _: web.Request) -> web.Response:
        return web.Response(text="ok")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--fail-share", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    gateway = Gateway(args.record, args.fail_share, args.seed)
    app = web.Application()
    app.router.add_post("/version1/messaging", gateway.africastalking)
    app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", gateway.twilio_create)
    app.router.add_get("/2010-04-01/Accounts/{account}/Messages.json", gateway.twilio_list)
    app.router.add_get("/2010-04-01/Accounts/{account}/Messages/{file}", gateway.twilio_fetch)
    app.router.add_get("/healthz", gateway.health)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
