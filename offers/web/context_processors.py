"""Template context shared by every page: the display currency and the switches' links."""

from offers.web.browse import DISPLAY_CURRENCIES, pick_currency, stale_after_days


def display(request):
    currency = pick_currency(request)
    query = request.GET.copy()
    switch = []
    for code in DISPLAY_CURRENCIES:
        query["currency"] = code
        switch.append(
            {"code": code, "url": f"{request.path}?{query.urlencode()}", "current": code == currency}
        )
    return {"currency": currency, "currency_switch": switch, "stale_days": stale_after_days()}
