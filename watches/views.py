"""The watch pages: ask (the included form), confirm, unsubscribe (one click), manage, the feed.

Every page but the form's answer is reached through a secret in its URL; none needs an account.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from offers.web.ratelimits import limited

from . import deliver, services
from .forms import WatchForm
from .models import Delivery, Subscriber, Watch


@require_POST
@limited("BANJIA_WATCH_FORM_RATE_LIMIT", "watch-form")
def ask(request):
    """POST /watches/: the form's answer is the same whether or not the address is known."""
    form = WatchForm(request.POST)
    status = 200
    if form.is_valid():
        services.request_email_watch(
            form.cleaned_data["subject"], form.cleaned_data["email"], translation.get_language() or ""
        )
        template = "watches/asked.html"
    else:
        template, status = "watches/ask.html", 400
    if request.htmx:
        template += "#watch-form"
        status = 200  # htmx swaps successful answers only
    response = render(request, template, {"watch_form": form}, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """GET: a button (link checkers that fetch mail links must not confirm); POST: confirm."""
    found = deliver.read_confirm_token(token)
    if found is None:
        return render(request, "watches/confirm.html", {"invalid": True}, status=404)
    watch_id, what = found
    watch = Watch.objects.select_related("subscriber").filter(pk=watch_id, removed_at__isnull=True).first()
    if watch is None:
        return render(request, "watches/confirm.html", {"invalid": True}, status=404)
    if request.method == "POST":
        watch = services.confirm(watch_id, what)
        return render(request, "watches/confirm.html", {"watch": watch, "what": what, "done": True})
    return render(request, "watches/confirm.html", {"watch": watch, "what": what, "token": token})


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a cookie
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, key):
    watch = get_object_or_404(Watch.objects.select_related("subscriber"), key=key)
    if request.method == "POST":
        services.remove(watch)
        return render(request, "watches/unsubscribed.html", {"watch": watch})
    return render(
        request, "watches/unsubscribe.html", {"watch": watch, "removed": watch.removed_at is not None}
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request, key):
    """Every watch of one address; POST `remove` (a watch's key or "all") removes."""
    subscriber = get_object_or_404(Subscriber, key=key)
    if request.method == "POST":
        target = request.POST.get("remove", "")
        watches = subscriber.watches.filter(removed_at__isnull=True)
        if not target.isprintable():
            raise Http404
        if target != "all":
            watches = watches.filter(key=target)
        for watch in watches:
            services.remove(watch)
        return redirect("watches:manage", key=key)
    watches = subscriber.watches.filter(removed_at__isnull=True).order_by("-created_at", "-id")
    return render(request, "watches/manage.html", {"subscriber": subscriber, "watches": watches})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def watch_page(request, key):
    """One watch (a webhook's manage_url, or an email watch): its deliveries; remove or resume."""
    watch = get_object_or_404(Watch.objects.select_related("subscriber"), key=key)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            services.remove(watch)
        elif action == "resume" and watch.paused_at is not None and watch.removed_at is None:
            deliver.resume(watch)
            from .tasks import deliver_watch, send_due

            deliver_watch.delay(watch.pk)
            send_due.delay()
        else:
            raise Http404
        return redirect("watches:watch", key=key)
    deliveries = Delivery.objects.filter(watch=watch).order_by("-created_at", "-id")[:50]
    return render(request, "watches/watch.html", {"watch": watch, "deliveries": deliveries})
