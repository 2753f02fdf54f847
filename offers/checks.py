"""Start-up checks: what would otherwise fail on every page is reported once, at start.

With DEBUG off, pages name their static files through the manifest that `collectstatic` writes
(whitenoise's CompressedManifestStaticFilesStorage). Without it every page would answer 500 (a
missing manifest entry), so a missing or empty manifest is a system check error: `manage.py
check`, `runserver` and `migrate` print it, and config/wsgi.py runs these checks before gunicorn
serves a request, so a production server refuses to start instead of failing per page.
"""

import json

from django.conf import settings
from django.core import checks

MANIFEST_STORAGES = ("ManifestStaticFilesStorage", "CompressedManifestStaticFilesStorage")


@checks.register(checks.Tags.staticfiles, "banjia", deploy=True)
def static_manifest_collected(app_configs=None, **kwargs):
    backend = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    if not backend.endswith(MANIFEST_STORAGES):
        return []
    manifest = settings.STATIC_ROOT / "staticfiles.json" if settings.STATIC_ROOT else None
    try:
        paths = json.loads(manifest.read_text(encoding="utf-8")).get("paths") if manifest else None
    except (OSError, ValueError, AttributeError):
        paths = None
    if paths:
        return []
    return [
        checks.Error(
            f"The collected static files are missing (no manifest at {manifest}): "
            "run `python manage.py collectstatic --noinput` before serving with DEBUG off.",
            id="banjia.E001",
        )
    ]


def serious_startup_errors():
    """The messages of every error-level check tagged "banjia" (for config/wsgi.py)."""
    return [
        str(m) for m in checks.run_checks(tags=["banjia"], include_deployment_checks=True) if m.is_serious()
    ]
