from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Catalog")

    def ready(self):
        from offers import checks  # noqa: F401  (registers the start-up checks)
        from offers.catalog.version import connect_signals
        from offers.tokens import checks as token_checks  # noqa: F401  (registers the tokenizer check)

        connect_signals()
