"""Watches in the admin: each watch with its delivery log; subscribers with their watches."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import deliver
from .models import Change, Delivery, Subscriber, Watch


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    ordering = ["-created_at", "-id"]
    fields = [
        "created_at",
        "key",
        "event",
        "status",
        "attempts",
        "response_status",
        "sent_at",
        "next_attempt_at",
        "last_error",
    ]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ChangeInline(admin.TabularInline):
    model = Change
    extra = 0
    can_delete = False
    ordering = ["-created_at", "-id"]
    fields = ["created_at", "event", "summary", "delivery"]
    readonly_fields = fields

    @admin.display(description=_("summary"))
    def summary(self, obj):
        return obj.data.get("summary", "")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Watch)
class WatchAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "channel",
        "created_at",
        "confirmed_at",
        "paused_at",
        "removed_at",
        "last_sent_at",
    ]
    list_filter = [
        "kind",
        "channel",
        ("paused_at", admin.EmptyFieldListFilter),
        ("removed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["provider_slug", "model_slug", "webhook_url", "subscriber__email", "contact_email"]
    raw_id_fields = ["subscriber"]
    list_select_related = ["subscriber"]
    readonly_fields = ["state_version", "created_at", "last_sent_at", "key", "feed_key"]
    exclude = ["secret", "token_sha256", "state"]
    inlines = [DeliveryInline, ChangeInline]
    actions = ["pause_watches", "resume_watches"]

    @admin.action(description=_("Pause the selected watches"), permissions=["change"])
    def pause_watches(self, request, queryset):
        for watch in queryset:
            deliver.pause(watch, str(_("Paused in the admin.")))

    @admin.action(description=_("Resume the selected watches"), permissions=["change"])
    def resume_watches(self, request, queryset):
        for watch in queryset:
            deliver.resume(watch)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["key", "watch", "event", "status", "attempts", "created_at", "sent_at", "response_status"]
    list_filter = ["status", "event"]
    search_fields = ["key", "watch__webhook_url", "watch__subscriber__email"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    list_select_related = ["watch__subscriber"]

    def has_add_permission(self, request):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "language", "created_at"]
    search_fields = ["email"]
    readonly_fields = ["key", "created_at"]
