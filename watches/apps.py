from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WatchesConfig(AppConfig):
    name = "watches"
    verbose_name = _("Watches")

    def ready(self):
        from offers.catalog.version import catalog_changed

        from .tasks import on_catalog_changed

        catalog_changed.connect(on_catalog_changed, dispatch_uid="watches-scan-on-catalog-change")
