from django.contrib import admin
from django.urls import include, path

from offers.web.ratelimits import limited

urlpatterns = [
    # Login attempts are rate-limited per client (BANJIA_LOGIN_RATE_LIMIT).
    path("admin/login/", limited("BANJIA_LOGIN_RATE_LIMIT", "admin-login")(admin.site.login)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("watches.api_urls")),
    path("api/v1/", include("offers.api.urls")),
    path("watches/", include("watches.urls")),
    path("", include("offers.urls")),
]
