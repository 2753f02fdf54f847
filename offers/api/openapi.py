"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json.

Written by hand from shared/DESIGN.md ("Contracts") and the limits in offers.estimator; a
schemathesis test (tests/test_openapi.py) calls the API with what this document allows and checks
every answer against it. Responses may carry more keys than listed (the contract allows additions).
"""

# size: one declarative document (the OpenAPI description of the API), no logic to split

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from offers.estimator import (
    MAX_DETAIL_LINES,
    MAX_ERRORS,
    MAX_ID_LENGTH,
    MAX_MONTHS,
    MAX_OVERRIDES_PER_LINE,
    MAX_PROVIDERS,
    MAX_TOKENS,
    MAX_USAGE_LINES,
)
from offers.estimator.request import AS_OF_RANGE

MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "description": "A decimal with 2 places."}
DATE = {"type": "string", "format": "date"}
ID = {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH}
TOKENS = {"type": "integer", "minimum": 0, "maximum": MAX_TOKENS}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = _json(_ref("Errors"), "Refused: every problem, keyed by the JSON path at fault.")

SPEC = {
    "openapi": "3.1.0",
    "info": {
        "title": "Banjia API",
        "version": "1",
        "description": (
            "The Banjia catalog (format banjia.catalog/1) and the savings estimator. Every refusal "
            'is a JSON body {"errors": {path: [message, ...]}}; at most '
            f'{MAX_ERRORS} paths are listed, the rest are counted under "more".'
        ),
    },
    "paths": {
        "/api/v1/catalog": {
            "get": {
                "operationId": "catalog",
                "summary": "The published catalog, as export_catalog writes it.",
                "responses": {"200": _json(_ref("Catalog"), "The catalog document.")},
            }
        },
        "/api/v1/tokenizers": {
            "get": {
                "operationId": "tokenizers",
                "summary": "Banjia's tokenizer registry (estimator rule 9) and the models using each.",
                "responses": {"200": _json(_ref("Tokenizers"), "The registry.")},
            }
        },
        "/api/v1/estimate": {
            "post": {
                "operationId": "estimate",
                "summary": "What monthly OpenAI usage would cost at every vendor, programmes counted.",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("EstimateRequest")}},
                },
                "responses": {
                    "200": _json(_ref("EstimateResponse"), "The estimate."),
                    "400": ERRORS,
                    "411": _json(_ref("Errors"), "A chunked body without Content-Length."),
                    "429": {
                        **_json(_ref("Errors"), "Too many requests from this client."),
                        "headers": {
                            "Retry-After": {
                                "description": "Seconds to wait.",
                                "schema": {"type": "integer", "minimum": 1},
                            }
                        },
                    },
                },
            }
        },
        "/api/v1/watches": {
            "post": {
                "operationId": "createWatch",
                "summary": "Watch a vendor, a model, the offers or a saved estimate; changes are POSTed "
                "to the webhook, signed (see the Delivery schema).",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("WatchRequest")}},
                },
                "responses": {
                    "201": {
                        **_json(_ref("WatchCreated"), "Made; the token and secret are shown this once."),
                    },
                    "400": ERRORS,
                    "429": {
                        **_json(_ref("Errors"), "Too many watches made by this client."),
                        "headers": {
                            "Retry-After": {
                                "description": "Seconds to wait.",
                                "schema": {"type": "integer", "minimum": 1},
                            }
                        },
                    },
                },
                "callbacks": {
                    "change": {
                        "{$request.body#/webhook_url}": {
                            "post": {
                                "summary": "A delivery: the changes found since the last one (at most one "
                                "per watch per BANJIA_WATCH_DIGEST_MINUTES). Retried with backoff for about "
                                "a day with the same X-Banjia-Delivery; answer 2xx within 5 s.",
                                "parameters": [
                                    {
                                        "name": "X-Banjia-Event",
                                        "in": "header",
                                        "required": True,
                                        "schema": _ref("WatchEvent"),
                                    },
                                    {
                                        "name": "X-Banjia-Delivery",
                                        "in": "header",
                                        "required": True,
                                        "description": "The idempotency key: the same on every retry.",
                                        "schema": {"type": "string", "format": "uuid"},
                                    },
                                    {
                                        "name": "X-Banjia-Timestamp",
                                        "in": "header",
                                        "required": True,
                                        "description": "Unix seconds when this attempt was signed.",
                                        "schema": {"type": "string", "pattern": "^[0-9]+$"},
                                    },
                                    {
                                        "name": "X-Banjia-Signature",
                                        "in": "header",
                                        "required": True,
                                        "description": "sha256=<hex HMAC-SHA256, keyed with the secret, over "
                                        '"<X-Banjia-Timestamp>.<raw body>">.',
                                        "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
                                    },
                                ],
                                "requestBody": {
                                    "required": True,
                                    "content": {"application/json": {"schema": _ref("Delivery")}},
                                },
                                "responses": {"2XX": {"description": "Received."}},
                            }
                        }
                    }
                },
            }
        },
        "/api/v1/watches/{id}": {
            "delete": {
                "operationId": "deleteWatch",
                "summary": "Remove a webhook watch.",
                "security": [{"watchToken": []}],
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**62},
                    },
                ],  # fmt: skip
                "responses": {
                    "204": {"description": "Removed."},
                    "401": _json(_ref("Errors"), "No Bearer token sent."),
                    "404": _json(_ref("Errors"), "No such watch for this token."),
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "watchToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "The token returned when the watch was made.",
            }
        },
        "schemas": {
            "WatchEvent": {
                "enum": ["price_changed", "offer_added", "offer_changed", "offer_ended", "estimate_changed"]
            },
            "WatchRequest": {
                "type": "object",
                "required": ["watch", "webhook_url"],
                "additionalProperties": False,
                "properties": {
                    "watch": {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["provider"],
                                "additionalProperties": False,
                                "properties": {"provider": ID, "model": ID},
                                "description": "A vendor (every price and offer), or one model's prices.",
                            },
                            {
                                "type": "object",
                                "required": ["offers"],
                                "additionalProperties": False,
                                "properties": {
                                    "offers": {"const": True},
                                    "audience": {"enum": [None, "openai", "anthropic"]},
                                },
                                "description": "Programmes added, changed or ended; optionally only "
                                "those for OpenAI or Claude users.",
                            },
                            {
                                "type": "object",
                                "required": ["estimate", "threshold_percent"],
                                "additionalProperties": False,
                                "properties": {
                                    "estimate": _ref("EstimateRequest"),
                                    "threshold_percent": {"type": "number", "minimum": 0, "maximum": 1000},
                                },
                                "description": "A saved estimate: told when the recommended vendor "
                                "changes, when its savings move by at least threshold_percent of their "
                                "previous value, or when a price it uses changes.",
                            },
                        ]
                    },
                    "webhook_url": {
                        "type": "string",
                        "maxLength": 1000,
                        "pattern": "^https://",
                        "description": "https only; a host resolving to a loopback, private, link-local "
                        "or reserved address is refused (now and at every delivery).",
                    },
                    "contact_email": {
                        "type": ["string", "null"],
                        "format": "email",
                        "maxLength": 254,
                        "description": "Told (once it confirms by the link mailed to it) if the webhook "
                        "fails for a day and is paused.",
                    },
                },
            },
            "WatchCreated": {
                "type": "object",
                "required": ["id", "token", "secret", "manage_url"],
                "properties": {
                    "id": {"type": "integer"},
                    "token": {"type": "string", "description": "Bearer token for DELETE; shown once."},
                    "secret": {
                        "type": "string",
                        "description": "The HMAC key of the signatures; shown once.",
                    },
                    "manage_url": {"type": "string", "format": "uri"},
                },
            },
            "Delivery": {
                "type": "object",
                "required": ["event", "watch", "delivery", "changes", "sent_at"],
                "properties": {
                    "event": {**_ref("WatchEvent"), "description": "The first change's; each names its own."},
                    "watch": {
                        "type": "object",
                        "required": ["id", "kind"],
                        "properties": {
                            "id": {"type": "integer"},
                            "kind": {"enum": ["provider", "model", "offers", "estimate"]},
                            "provider": {"type": ["string", "null"]},
                            "model": {"type": ["string", "null"]},
                            "audience": {"type": ["string", "null"]},
                            "threshold_percent": {"type": ["string", "null"]},
                            "manage_url": {"type": "string"},
                            "feed_url": {"type": "string", "description": "The watch's Atom feed."},
                        },
                    },
                    "delivery": {"type": "string", "format": "uuid"},
                    "sent_at": {"type": "string", "format": "date-time"},
                    "changes": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["event", "old", "new", "source", "summary"],
                            "description": "A price change names provider, model, kind and tier (old/new "
                            "{amount, currency, unit}, null when added or withdrawn); an offer change names "
                            "provider and program (old/new {name, status, starts_on, ends_on, benefits}); "
                            "an estimate change gives reasons (recommended, savings, price), old/new "
                            "{recommended, savings, savings_percent} and the price changes.",
                            "properties": {
                                "event": _ref("WatchEvent"),
                                "provider": {"type": "string"},
                                "model": {"type": "string"},
                                "program": {"type": "string"},
                                "reasons": {"type": "array", "items": {"type": "string"}},
                                "old": {"type": ["object", "null"]},
                                "new": {"type": ["object", "null"]},
                                "source": {"type": ["string", "null"]},
                                "summary": {"type": "string"},
                            },
                        },
                    },
                },
            },
            "Errors": {
                "type": "object",
                "required": ["errors"],
                "properties": {
                    "errors": {
                        "type": "object",
                        "minProperties": 1,
                        "maxProperties": MAX_ERRORS + 1,
                        "additionalProperties": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string"},
                        },
                    }
                },
            },
            "UsageLine": {
                "type": "object",
                "required": ["model"],
                "properties": {
                    "model": {
                        **ID,
                        "description": "A model id of the baseline: OpenAI's (gpt-4o) or, with baseline "
                        "anthropic, Claude's (claude-sonnet-4-5).",
                    },
                    "input_tokens": TOKENS,
                    "cached_input_tokens": {**TOKENS, "description": "Part of input_tokens."},
                    "cache_write_5m_tokens": {
                        **TOKENS,
                        "description": "Part of input_tokens written to the prompt cache for 5 minutes (rule 10).",
                    },
                    "cache_write_1h_tokens": {
                        **TOKENS,
                        "description": "Part of input_tokens written to the prompt cache for 1 hour (rule 10).",
                    },
                    "context_window": {
                        "enum": ["0-200k", "200k-1M", None],
                        "description": "200k-1M: every request had more than 200K input tokens (Anthropic's usage "
                        "report); the prompt length is then at least 200,001.",
                    },
                    "output_tokens": TOKENS,
                    "requests": {
                        "type": ["integer", "null"],
                        "minimum": 1,
                        "maximum": MAX_TOKENS,
                        "description": "Requests a month: input / requests picks the prompt tier, output / requests "
                        "the reply-length band (rule 1); without it the open band is assumed and said.",
                    },
                    "mode": {
                        "enum": ["thinking", "non_thinking", None],
                        "description": "Rule 6: price replies in this mode; null follows the baseline model "
                        "(reasoning models: thinking).",
                    },
                    "overrides": {
                        "type": ["object", "null"],
                        "maxProperties": MAX_OVERRIDES_PER_LINE,
                        "propertyNames": ID,
                        "additionalProperties": ID,
                        "description": "Provider slug -> that provider's model id, in place of the mapping.",
                    },
                },
            },
            "EstimateRequest": {
                "type": "object",
                "required": ["usage"],
                "properties": {
                    "usage": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": MAX_USAGE_LINES,
                        "items": _ref("UsageLine"),
                    },
                    "months": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_MONTHS},
                    "currency": {"type": ["string", "null"], "pattern": "^[A-Za-z]{3}$"},
                    "as_of": {"type": ["string", "null"], "format": "date", "description": AS_OF_RANGE},
                    "include_expired": {"type": ["boolean", "null"]},
                    "new_customer": {"type": ["boolean", "null"]},
                    "baseline": {
                        "enum": ["openai", "anthropic", None],
                        "description": "Whose bill the usage lines are (rule 10); null for openai.",
                    },
                    "providers": {
                        "type": ["array", "null"],
                        "maxItems": MAX_PROVIDERS,
                        "items": ID,
                        "description": "Only these vendors; null for all.",
                    },
                    "detail": {
                        "type": "boolean",
                        "description": f"Month-by-month detail per vendor; up to {MAX_DETAIL_LINES} usage lines.",
                    },
                    "sample": {
                        "type": ["array", "null"],
                        "items": {"type": "string"},
                        "description": (
                            "Rule 9: a sample of your own traffic (prompts and replies as sent), at most "
                            "1,000,000 bytes of UTF-8 text in all, without NUL or unpaired surrogates. Each "
                            "alternative line's tokens are scaled by how its model's tokenizer counts it."
                        ),
                    },
                },
            },
            "TokenRatio": {
                "type": "object",
                "required": [
                    "tokenizer",
                    "baseline_tokenizer",
                    "sample_tokens",
                    "baseline_sample_tokens",
                    "ratio",
                ],
                "properties": {
                    "tokenizer": {"type": ["string", "null"]},
                    "baseline_tokenizer": {"type": ["string", "null"]},
                    "sample_tokens": {"type": ["integer", "null"]},
                    "baseline_sample_tokens": {"type": ["integer", "null"]},
                    "ratio": {"type": "string", "pattern": "^[0-9]+\\.[0-9]{6}$"},
                },
            },
            "Tokenizers": {
                "type": "object",
                "required": ["tokenizers"],
                "properties": {
                    "tokenizers": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "package", "version", "vocabulary_size", "models"],
                            "properties": {
                                "name": {"type": "string"},
                                "label": {"type": "string"},
                                "package": {"type": "string"},
                                "version": {"type": "string"},
                                "vocabulary_size": {"type": "integer"},
                                "source": {"type": "string"},
                                "models": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    }
                },
            },
            "EstimateResponse": {
                "type": "object",
                "required": ["as_of", "months", "currency", "fx", "baseline", "alternatives", "incomplete"],
                "properties": {
                    "as_of": DATE,
                    "months": {"type": "integer", "minimum": 1, "maximum": MAX_MONTHS},
                    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    "fx": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["base", "quote", "rate", "date"],
                            "properties": {
                                "base": {"type": "string"},
                                "quote": {"type": "string"},
                                "rate": {"type": "string"},
                                "date": DATE,
                            },
                        },
                    },
                    "baseline": {
                        "type": "object",
                        "required": ["provider", "monthly_cost", "total_cost", "lines"],
                        "properties": {
                            "provider": {"enum": ["openai", "anthropic"]},
                            "monthly_cost": MONEY,
                            "total_cost": MONEY,
                            "lines": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["model", "monthly_cost"],
                                    "properties": {"model": {"type": "string"}, "monthly_cost": MONEY},
                                },
                            },
                        },
                    },
                    "alternatives": {"type": "array", "items": _ref("Alternative")},
                    "sample": {
                        "oneOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["hash", "bytes", "strings"],
                                "properties": {
                                    "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                                    "bytes": {"type": "integer"},
                                    "strings": {"type": "integer"},
                                },
                            },
                        ],
                        "description": "Rule 9: the sample used (its SHA-256, size and number of strings), or null.",
                    },
                    "recommended": {
                        "type": ["string", "null"],
                        "description": "Rule 8: the first complete alternative priced on official or reported "
                        "rows of like-for-like (or chosen) models; null when none is.",
                    },
                    "incomplete": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["provider", "reason"],
                            "properties": {"provider": {"type": "string"}, "reason": {"type": "string"}},
                        },
                    },
                },
            },
            "Alternative": {
                "type": "object",
                "required": [
                    "provider",
                    "monthly_list_cost",
                    "total_list_cost",
                    "benefits_value",
                    "total_cost",
                    "savings",
                    "savings_percent",
                    "lines",
                    "programs",
                    "perks",
                ],  # fmt: skip
                "properties": {
                    "provider": {"type": "string"},
                    "monthly_list_cost": MONEY,
                    "total_list_cost": MONEY,
                    "benefits_value": MONEY,
                    "total_cost": MONEY,
                    "savings": MONEY,
                    "savings_percent": {"oneOf": [MONEY, {"type": "null"}]},
                    "lines": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["baseline_model", "model", "monthly_cost", "tokens"],
                            "properties": {
                                "openai_model": {"type": "string", "description": "For an OpenAI baseline."},
                                "baseline_model": {"type": "string"},
                                "model": {"type": "string"},
                                "monthly_cost": MONEY,
                                "fit": {"enum": ["larger", "smaller", "other_class"]},
                                "mode_used": {"enum": ["thinking", "non_thinking", None]},
                                "warnings": {"type": "array", "items": {"enum": ["output_band_assumed"]}},
                                "tokens": _ref("TokenRatio"),
                            },
                        },
                    },
                    "programs": {"type": "array", "items": {"type": "string"}},
                    "perks": {"type": "array", "items": {"type": "string"}},
                    "plans": {"type": "array", "items": {"type": "string"}},
                    "caveats": {
                        "type": "array",
                        "items": {"enum": ["derived_price", "unlike_model"]},
                        "description": "Rule 8: why this alternative is not recommended, however cheap.",
                    },
                    "programs_left_out": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["program", "reason"],
                            "properties": {
                                "program": {"type": "string"},
                                "reason": {
                                    "enum": [
                                        "ended",
                                        "unconfirmed",
                                        "not_started",
                                        "unpublished",
                                        "audience",
                                        "new_users_only",
                                    ]
                                },
                                "date": {"oneOf": [DATE, {"type": "null"}]},
                            },
                        },
                    },
                },
            },
            "Catalog": {
                "type": "object",
                "required": ["format", "providers"],
                "properties": {
                    "format": {"const": "banjia.catalog/1"},
                    "providers": {"type": "array", "items": {"type": "object", "required": ["slug"]}},
                    "mappings": {"type": "array"},
                    "exchange_rates": {"type": "array"},
                },
                "description": "See catalog-format.md.",
            },
        },
    },
}


@csrf_exempt  # read-only: any other method is a 405 (not a CSRF 403)
@require_GET
def openapi(request):
    """GET /api/v1/openapi.json."""
    return JsonResponse(SPEC, json_dumps_params={"ensure_ascii": False, "indent": 1})
