"""POST /api/v1/watches (a webhook watch) and DELETE /api/v1/watches/<id> (Bearer token)."""

import json

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from offers.web.ratelimits import limited

from .deliver import site_url
from .models import Watch
from .services import WatchError, create_webhook_watch, parse_subject

MAX_BODY_BYTES = 1024 * 1024


def _errors(errors, status=400):
    return JsonResponse({"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})


def _method_not_allowed(allowed):
    response = _errors({"method": [_("Use %(m)s.") % {"m": allowed}]}, status=405)
    response["Allow"] = allowed
    return response


@csrf_exempt  # a JSON API for programs: no cookies are read
@limited("BANJIA_WATCH_RATE_LIMIT", "watch-create", json=True)
def watches(request):
    """POST {"watch": {...}, "webhook_url": url, "contact_email"?: address} -> 201
    {"id", "token", "secret", "manage_url"}."""
    if request.method != "POST":
        return _method_not_allowed("POST")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return _errors({"body": [_("The request body is larger than 1 MB.")]})
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError) as exc:
        return _errors({"body": [_("The body is not valid JSON: %(e)s") % {"e": exc}]})
    if not isinstance(data, dict):
        return _errors({"body": [_("Expected an object.")]})
    unknown = sorted(set(data) - {"watch", "webhook_url", "contact_email"})
    if unknown:
        return _errors({unknown[0]: [_("Unknown key.")]})
    if "webhook_url" not in data:
        return _errors({"webhook_url": [_("Required.")]})
    contact = data.get("contact_email")
    if contact is not None:
        try:
            if not isinstance(contact, str) or len(contact) > 254:
                raise ValidationError("")
            validate_email(contact)
        except ValidationError:
            return _errors({"contact_email": [_("Not an email address (or null).")]})
    try:
        subject = parse_subject(data.get("watch"))
        watch, token, secret = create_webhook_watch(subject, data["webhook_url"], contact or "")
    except WatchError as exc:
        return _errors(exc.errors)
    body = {
        "id": watch.pk,
        "token": token,
        "secret": secret,
        "manage_url": site_url(watch.get_absolute_url()),
    }
    response = JsonResponse(body, status=201)
    response["Cache-Control"] = "no-store"  # the token and secret are shown once
    return response


@csrf_exempt  # authorised by the Bearer token, not a cookie
def watch(request, watch_id):
    """DELETE with Authorization: Bearer <token> -> 204; a wrong token or id -> 404."""
    if request.method != "DELETE":
        return _method_not_allowed("DELETE")
    watch_id = int(watch_id) if watch_id.isascii() and watch_id.isdigit() and len(watch_id) < 19 else 0
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response = _errors({"authorization": [_("Send Authorization: Bearer <token>.")]}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="banjia"'
        return response
    found = Watch.objects.filter(pk=watch_id, channel=Watch.Channel.WEBHOOK, removed_at__isnull=True).first()
    if found is None or not found.check_token(token.strip()):
        return _errors({"watch": [_("No such watch for this token.")]}, status=404)
    from .services import remove

    remove(found)
    return HttpResponse(status=204)
