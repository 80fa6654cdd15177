#!/usr/bin/env python3
"""Writes X-Twilio-Signature fixtures made by Twilio's own helper library (PyPI `twilio`).

The Swift tests read them to prove that intake computes signatures exactly as Twilio does.
Usage: twilio_signatures.py OUTPUT.json
"""
import json
import sys

from twilio.request_validator import RequestValidator

CASES = [
    {
        "name": "Twilio's documented example",
        "auth_token": "12345",
        "url": "https://mycompany.com/myapp.php?foo=1&bar=2",
        "params": {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
                   "From": "+12349013030", "To": "+18005551212"},
    },
    {
        "name": "inbound SMS with French accents",
        "auth_token": "f2b7c1d9e0a34b5c8d6e7f8091a2b3c4",
        "url": "https://hotline.example.org/v1/inbound/twilio/sms",
        "params": {"MessageSid": "SM0123456789abcdef0123456789abcdef", "AccountSid": "AC0123456789abcdef0123456789abcdef",
                   "From": "+22376123456", "To": "+22320201234", "Body": "Vol de bétail à Sévaré, aidez-nous & vite!",
                   "NumSegments": "1", "NumMedia": "0", "SmsStatus": "received", "ApiVersion": "2010-04-01",
                   "FromCountry": "ML", "FromCity": "BAMAKO"},
    },
    {
        "name": "Arabic and N'Ko text behind a proxy with a query string",
        "auth_token": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "url": "https://gateway.example.net:8443/hotline/v1/inbound/twilio/sms?tenant=ml",
        "params": {"MessageSid": "SMffffffffffffffffffffffffffffffff", "AccountSid": "AC11111111111111111111111111111111",
                   "From": "+22790123456", "To": "+22720301234", "Body": "سرقة في السوق ߒߞߏ ߞߊ߲", "NumSegments": "2"},
    },
    {
        "name": "status callback",
        "auth_token": "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "url": "https://hotline.example.org/v1/inbound/twilio/status",
        "params": {"MessageSid": "SM22222222222222222222222222222222", "MessageStatus": "undelivered", "ErrorCode": "30003",
                   "AccountSid": "AC11111111111111111111111111111111", "To": "+22376000000"},
    },
]


def main() -> None:
    fixtures = []
    for case in CASES:
        validator = RequestValidator(case["auth_token"])
        signature = validator.compute_signature(case["url"], case["params"])
        assert validator.validate(case["url"], case["params"], signature)
        fixtures.append({**case, "signature": signature})
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(fixtures, out, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
