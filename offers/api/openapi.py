"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json.

Written by hand from shared/DESIGN.md ("Contracts") and the limits in offers.estimator; a
schemathesis test (tests/test_openapi.py) calls the API with what this document allows and checks
every answer against it. Responses may carry more keys than listed (the contract allows additions).
"""

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
from offers.estimator.request import MAX_AS_OF, MIN_AS_OF

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
    },
    "components": {
        "schemas": {
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
                    "model": {**ID, "description": "An OpenAI model id, e.g. gpt-4o."},
                    "input_tokens": TOKENS,
                    "cached_input_tokens": {**TOKENS, "description": "Part of input_tokens."},
                    "output_tokens": TOKENS,
                    "requests": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_TOKENS},
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
                    "as_of": {
                        "type": ["string", "null"],
                        "format": "date",
                        "description": f"From {MIN_AS_OF.isoformat()} to {MAX_AS_OF.isoformat()}; null for today.",
                    },
                    "include_expired": {"type": ["boolean", "null"]},
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
                            "provider": {"const": "openai"},
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
                            "required": ["openai_model", "model", "monthly_cost"],
                            "properties": {
                                "openai_model": {"type": "string"},
                                "model": {"type": "string"},
                                "monthly_cost": MONEY,
                            },
                        },
                    },
                    "programs": {"type": "array", "items": {"type": "string"}},
                    "perks": {"type": "array", "items": {"type": "string"}},
                    "programs_left_out": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["program", "reason"],
                            "properties": {
                                "program": {"type": "string"},
                                "reason": {"enum": ["ended", "unconfirmed", "not_started", "unpublished"]},
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
        }
    },
}


@csrf_exempt  # read-only: any other method is a 405 (not a CSRF 403)
@require_GET
def openapi(request):
    """GET /api/v1/openapi.json."""
    return JsonResponse(SPEC, json_dumps_params={"ensure_ascii": False, "indent": 1})
