// The OpenAPI 3.1 document of intake's HTTP surface, served at GET /openapi.json.
//
// This literal is the one source: review API changes here. OpenAPIDocumentTests checks that
// every path it lists is routed and every route is listed, and schemathesis generates its
// requests from it in the test command.
enum IntakeOpenAPI {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Hotline intake",
    "version": "1.0.0",
    "description": "The public door of the community-security hotline: gateway callbacks (Africa's Talking, Twilio, a signed generic relay), the call-centre operators' report API, and the health and metrics endpoints. Every 4xx answers the JSON error object. A database outage answers 503 with Retry-After so gateways retry."
  },
  "paths": {
    "/v1/reports": {
      "post": {
        "operationId": "createReport",
        "summary": "An operator submits a report typed during a call",
        "security": [{ "operatorKey": [] }],
        "parameters": [
          { "name": "Idempotency-Key", "in": "header", "required": false, "description": "1 to 200 characters; a retry with the same key and body answers the same report", "schema": { "type": "string", "minLength": 1, "maxLength": 200 } }
        ],
        "requestBody": {
          "required": true,
          "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReportRequest" },
            "example": { "text": "Des hommes armés ont attaqué le marché de Sévaré", "language": "fr", "location_hint": "Sévaré" } } }
        },
        "responses": {
          "201": { "description": "Stored and committed with its event", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ReportAccepted" } } },
                   "headers": { "Idempotent-Replayed": { "description": "present on a replay of an earlier request", "schema": { "type": "string", "enum": ["true"] } } } },
          "400": { "$ref": "#/components/responses/Error" },
          "401": { "$ref": "#/components/responses/Error" },
          "403": { "$ref": "#/components/responses/Error" },
          "409": { "$ref": "#/components/responses/Error" },
          "413": { "$ref": "#/components/responses/Error" },
          "415": { "$ref": "#/components/responses/Error" },
          "422": { "$ref": "#/components/responses/Error" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      }
    },
    "/v1/inbound/africastalking/sms": {
      "post": {
        "operationId": "africasTalkingSMS",
        "summary": "Africa's Talking incoming SMS callback",
        "security": [{ "africasTalkingToken": [] }],
        "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": { "$ref": "#/components/schemas/AfricasTalkingSMS" } } } },
        "responses": {
          "200": { "$ref": "#/components/responses/Accepted" },
          "400": { "$ref": "#/components/responses/Error" },
          "403": { "$ref": "#/components/responses/Error" },
          "413": { "$ref": "#/components/responses/Error" },
          "415": { "$ref": "#/components/responses/Error" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      }
    },
    "/v1/inbound/africastalking/delivery": {
      "post": {
        "operationId": "africasTalkingDelivery",
        "summary": "Africa's Talking delivery report callback",
        "security": [{ "africasTalkingToken": [] }],
        "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": { "$ref": "#/components/schemas/AfricasTalkingDelivery" } } } },
        "responses": {
          "200": { "$ref": "#/components/responses/Accepted" },
          "400": { "$ref": "#/components/responses/Error" },
          "403": { "$ref": "#/components/responses/Error" },
          "413": { "$ref": "#/components/responses/Error" },
          "415": { "$ref": "#/components/responses/Error" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      }
    },
    "/v1/inbound/africastalking/ussd": {
      "post": {
        "operationId": "africasTalkingUSSD",
        "summary": "Africa's Talking USSD session callback, one request per screen",
        "security": [{ "africasTalkingToken": [] }],
        "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": { "$ref": "#/components/schemas/AfricasTalkingUSSD" } } } },
        "responses": {
          "200": { "description": "The next screen: CON (continue) or END, at most 160 characters after the prefix",
                   "content": { "text/plain": { "schema": { "type": "string", "pattern": "^(CON|END) " } } } },
          "400": { "$ref": "#/components/responses/Error" },
          "403": { "$ref": "#/components/responses/Error" },
          "413": { "$ref": "#/components/responses/Error" },
          "415": { "$ref": "#/components/responses/Error" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      }
    },
    "/v1/inbound/twilio/sms": {
      "post": {
        "operationId": "twilioSMS",
        "summary": "Twilio incoming message webhook",
        "security": [{ "twilioSignature": [] }],
        "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": { "$ref": "#/components/schemas/TwilioSMS" } } } },
        "responses": {
          "200": { "$ref": "#/components/responses/TwiML" },
          "400": { "$ref": "#/components/responses/Error" },
          "403": { "$ref": "#/components/responses/Error" },
          "413": { "$ref": "#/components/responses/Error" },
          "415": { "$ref": "#/components/responses/Error" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      }
    },
    "/v1/inbound/twilio/status": {
      "post": {
        "operationId": "twilioStatus",
        "summary": "Twilio message status callback",
        "security": [{ "twilioSignature": [] }],
        "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": { "$ref": "#/components/schemas/TwilioStatus" } } } },
        "responses": {
          "200": { "$ref": "#/components/responses/TwiML" },
          "400": { "$ref": "#/components/responses/Error" },
          "403": { "$ref": "#/components/responses/Error" },
          "413": { "$ref": "#/components/responses/Error" },
          "415": { "$ref": "#/components/responses/Error" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      }
    },
    "/v1/inbound/generic/sms": {
      "post": {
        "operationId": "genericRelaySMS",
        "summary": "An SMS from a generic relay (Kannel, Jasmin, RapidPro External channel, a modem script)",
        "security": [{ "relaySignature": [] }],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RelaySMS" } } } },
        "responses": {
          "200": { "description": "Stored (or a retry of a stored message)", "content": { "application/json": { "schema": {
            "type": "object", "required": ["status", "id"], "properties": { "status": { "const": "accepted" }, "id": { "type": "string" } } } } } },
          "400": { "$ref": "#/components/responses/Error" },
          "403": { "$ref": "#/components/responses/Error" },
          "413": { "$ref": "#/components/responses/Error" },
          "415": { "$ref": "#/components/responses/Error" },
          "503": { "$ref": "#/components/responses/Unavailable" }
        }
      }
    },
    "/healthz": {
      "get": {
        "operationId": "healthz",
        "summary": "The process is alive",
        "responses": { "200": { "description": "Alive", "content": { "application/json": { "schema": {
          "type": "object", "required": ["status", "service"], "properties": { "status": { "const": "alive" }, "service": { "type": "string" } } } } } } }
      }
    },
    "/readyz": {
      "get": {
        "operationId": "readyz",
        "summary": "Database, broker and start-up work are ready",
        "responses": {
          "200": { "$ref": "#/components/responses/Readiness" },
          "503": { "$ref": "#/components/responses/Readiness" }
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "summary": "Prometheus metrics in the text exposition format",
        "responses": { "200": { "description": "Metrics", "content": { "text/plain": { "schema": { "type": "string" } } } } }
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "openapi",
        "summary": "This document",
        "responses": { "200": { "description": "The OpenAPI document", "content": { "application/json": { "schema": { "type": "object" } } } } }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "operatorKey": { "type": "http", "scheme": "bearer", "description": "An API key with role operator (hotlinectl apikey create --role operator)" },
      "africasTalkingToken": { "type": "apiKey", "in": "query", "name": "token", "description": "HOTLINE_AT_WEBHOOK_TOKEN, set in the callback URLs" },
      "twilioSignature": { "type": "apiKey", "in": "header", "name": "X-Twilio-Signature", "description": "Base64 HMAC-SHA1 under the Twilio auth token of the public URL followed by each POST parameter, sorted, name then value" },
      "relaySignature": { "type": "apiKey", "in": "header", "name": "X-Hotline-Signature", "description": "sha256=<hex HMAC-SHA256 of the raw body under HOTLINE_RELAY_SECRET>" }
    },
    "responses": {
      "Error": { "description": "Refused; nothing was stored", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Unavailable": { "description": "The database is unavailable or the request ran out of time; retry later",
                       "headers": { "Retry-After": { "schema": { "type": "string" } } },
                       "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Accepted": { "description": "Stored (or a retry of a stored callback)", "content": { "application/json": { "schema": {
        "type": "object", "required": ["status"], "properties": { "status": { "const": "accepted" } } } } } },
      "TwiML": { "description": "Empty TwiML: no reply from Twilio itself", "content": { "text/xml": { "schema": { "type": "string" } } } },
      "Readiness": { "description": "Readiness with each check", "content": { "application/json": { "schema": {
        "type": "object", "required": ["status", "service", "checks"],
        "properties": { "status": { "enum": ["ready", "not_ready"] }, "service": { "type": "string" },
                        "checks": { "type": "object", "additionalProperties": { "type": "string" } } } } } } }
    },
    "schemas": {
      "Error": {
        "type": "object", "required": ["error"],
        "properties": { "error": { "type": "object", "required": ["code", "message"],
          "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } }
      },
      "ReportRequest": {
        "type": "object", "required": ["text"],
        "properties": {
          "text": { "type": "string", "minLength": 1, "maxLength": 1600, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$" },
          "channel": { "type": "string", "enum": ["sms", "ussd", "operator", "api"] },
          "language": { "type": "string", "pattern": "^[A-Za-z]{2,3}$" },
          "category": { "type": "string", "enum": ["theft", "armed_attack", "trafficking_weapons_drugs", "human_trafficking", "security_forces_misconduct",
                                                   "land_dispute", "gender_based_violence", "violent_extremism", "corruption", "other"] },
          "location_hint": { "type": "string", "maxLength": 200 },
          "caller_phone": { "type": "string", "pattern": "^\\+[1-9][0-9]{7,14}$" },
          "anonymous": { "type": "boolean" }
        }
      },
      "ReportAccepted": {
        "type": "object", "required": ["report_id", "reference_code", "status"],
        "properties": { "report_id": { "type": "string", "format": "uuid" }, "reference_code": { "type": "string" }, "status": { "const": "accepted" } }
      },
      "AfricasTalkingSMS": {
        "type": "object", "required": ["id", "from", "text"],
        "properties": {
          "id": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_.:-]{1,200}$", "description": "at most 200 bytes" },
          "from": { "type": "string", "pattern": "^\\+[1-9][0-9]{7,14}$" },
          "to": { "type": "string" },
          "text": { "type": "string", "minLength": 1, "maxLength": 1600, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$" },
          "date": { "type": "string", "examples": ["2026-11-23 10:15:00"] },
          "linkId": { "type": "string" },
          "networkCode": { "type": "string" }
        }
      },
      "AfricasTalkingDelivery": {
        "type": "object", "required": ["id", "status"],
        "properties": {
          "id": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_.:-]{1,200}$", "description": "at most 200 bytes" },
          "status": { "type": "string", "enum": ["Sent", "Submitted", "Buffered", "Rejected", "Success", "Failed"] },
          "phoneNumber": { "type": "string" },
          "networkCode": { "type": "string" },
          "failureReason": { "type": "string" },
          "retryCount": { "type": "string", "pattern": "^[0-9]{1,3}$" }
        }
      },
      "AfricasTalkingUSSD": {
        "type": "object", "required": ["sessionId", "phoneNumber"],
        "properties": {
          "sessionId": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_.:-]{1,200}$", "description": "at most 200 bytes" },
          "serviceCode": { "type": "string" },
          "phoneNumber": { "type": "string", "pattern": "^\\+[1-9][0-9]{7,14}$" },
          "networkCode": { "type": "string" },
          "text": { "type": "string", "description": "every input so far, joined by *" }
        }
      },
      "TwilioSMS": {
        "type": "object", "required": ["MessageSid", "From", "Body"],
        "properties": {
          "MessageSid": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_.:-]{1,200}$", "description": "at most 200 bytes" },
          "AccountSid": { "type": "string" },
          "From": { "type": "string", "pattern": "^\\+[1-9][0-9]{7,14}$" },
          "To": { "type": "string" },
          "Body": { "type": "string", "minLength": 1, "maxLength": 1600, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$" },
          "NumSegments": { "type": "string" }
        }
      },
      "TwilioStatus": {
        "type": "object", "required": ["MessageSid", "MessageStatus"],
        "properties": {
          "MessageSid": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_.:-]{1,200}$", "description": "at most 200 bytes" },
          "MessageStatus": { "type": "string", "enum": ["accepted", "scheduled", "queued", "sending", "sent", "delivered", "read", "undelivered", "failed", "canceled"] },
          "ErrorCode": { "type": "string" },
          "To": { "type": "string" }
        }
      },
      "RelaySMS": {
        "type": "object", "required": ["id", "from", "text"],
        "properties": {
          "id": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_.:-]{1,200}$", "description": "at most 200 bytes" },
          "from": { "type": "string", "pattern": "^\\+[1-9][0-9]{7,14}$" },
          "to": { "type": "string" },
          "text": { "type": "string", "minLength": 1, "maxLength": 1600, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$" },
          "received_at": { "type": "string", "format": "date-time" }
        }
      }
    }
  }
}
"""#
}
