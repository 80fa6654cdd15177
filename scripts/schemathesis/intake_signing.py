"""schemathesis hooks: sign requests to intake's signed webhooks.

Requests whose X-Twilio-Signature or X-Hotline-Signature is the placeholder "sign-me" (set by the
auth section of schemathesis.toml) are signed over the exact bytes about to be sent, so generated
cases reach the handlers behind the signature checks. A case schemathesis generates without the
header, or with another value, goes out as it is and must be refused with 403.
"""
import base64
import hashlib
import hmac
import os
from urllib.parse import parse_qsl, urlsplit

import requests

PLACEHOLDER = "sign-me"
TWILIO_TOKEN = os.environ.get("HOTLINE_ST_TWILIO_TOKEN", "dev-twilio-auth-token")
RELAY_SECRET = os.environ.get("HOTLINE_ST_RELAY_SECRET", "dev-relay-secret")
PUBLIC_BASE_URL = os.environ.get("HOTLINE_ST_PUBLIC_BASE_URL", "https://hotline.test")

_send = requests.Session.send


def _twilio_signature(url, body):
    parts = urlsplit(url)
    payload = PUBLIC_BASE_URL + parts.path + ("?" + parts.query if parts.query else "")
    try:
        params = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        params = []
    for name, value in sorted(params):
        payload += name + value
    digest = hmac.new(TWILIO_TOKEN.encode(), payload.encode("utf-8", "surrogatepass"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _signed_send(self, request, **kwargs):
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if request.headers.get("X-Hotline-Signature") == PLACEHOLDER:
        request.headers["X-Hotline-Signature"] = "sha256=" + hmac.new(RELAY_SECRET.encode(), body, hashlib.sha256).hexdigest()
    if request.headers.get("X-Twilio-Signature") == PLACEHOLDER:
        request.headers["X-Twilio-Signature"] = _twilio_signature(request.url, body)
    return _send(self, request, **kwargs)


requests.Session.send = _signed_send
