from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Catalog")

    def ready(self):
        from . import tokens  # noqa: F401
        from .tokens import checks  # noqa: F401  (registers the tokenizer check)
        from .version import connect_signals

        connect_signals()
