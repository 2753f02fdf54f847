"""Release dates from evidence (issue 16 part 3): every curated release date against the dates the
recorded feeds give, recomputed here from the feeds by offers.catalog.release_evidence."""

import json
from datetime import date

import pytest

from offers.catalog import release_evidence as ev
from offers.catalog.seed import CURATED_DIR, load_curated


def _curated_models():
    providers, _mappings, _rates = load_curated(CURATED_DIR)
    for cur in providers:
        for m in cur.get("models", []):
            yield cur["provider"]["slug"], m


def test_every_curated_release_date_agrees_with_the_feeds_or_says_why(shared_pages):
    dates = ev.feed_dates(shared_pages)
    wrong = []
    for provider, m in _curated_models():
        found = ev.evidence(provider, m, dates)
        released = date.fromisoformat(m["released_on"]) if m.get("released_on") else None
        verdict = found.verdict(released)
        if verdict and not (m.get("released_note") or "").strip():
            wrong.append(f"{provider}/{m['slug']}: {released} is {verdict}; the feeds allow "
                         f"{found.earliest}..{found.latest} ({', '.join(d.text for d in found.counted)})")  # fmt: skip
    assert not wrong, "\n".join(wrong)


def test_rejected_feed_entries_and_feed_ids_name_real_entries_and_say_why(shared_pages):
    labels = {d.label for d in ev.feed_dates(shared_pages)}
    for provider, m in _curated_models():
        for label, reason in (m.get("feed_dates_rejected") or {}).items():
            assert label in labels, (provider, m["slug"], label)
            assert reason.strip(), (provider, m["slug"], label)
        for label in m.get("feed_ids") or []:
            assert label in labels, (provider, m["slug"], label)


def test_every_release_date_has_a_source_and_upper_bounds_are_marked():
    for provider, m in _curated_models():
        if m.get("released_on"):
            assert (m.get("released_source") or "").strip(), (provider, m["slug"])
        else:
            assert (m.get("released_reason") or "").strip(), (provider, m["slug"])
        if "upper bound" in (m.get("released_source") or ""):
            assert m.get("released_on_is_upper_bound") is True, (provider, m["slug"])


def test_the_issue_s_dates_are_the_feeds_days():
    models = {(p, m["slug"]): m for p, m in _curated_models()}
    # models.dev openai/gpt-4.1 release_date and OpenRouter openai/gpt-4.1 created: 2025-04-14
    assert models[("openai", "gpt-4.1")]["released_on"] == "2025-04-14"
    assert models[("openai", "gpt-5-nano")]["released_on"] == "2025-08-07"
    # nano-gpt (a reseller of Zhipu's API) lists glm-4 on 2024-01-16; models.dev has no zhipuai entry
    assert models[("zhipu", "glm-4")]["released_on"] == "2024-01-16"
    # models.dev nano-gpt/glm-4-plus says 2024-08-01: read as August 2024, so at the latest 2024-08-31
    assert models[("zhipu", "glm-4-plus")]["released_on"] == "2024-08-31"
    assert models[("tencent", "hy3-preview")]["deprecated_on"] == "2026-08-31"  # "（2026-08-31 下线）"


MD_DOC = {
    "zhipuai": {"models": {"glm-9": {"release_date": "2026-03-10"}}},
    "somehost": {
        "models": {"glm-9": {"release_date": "2025-01-01"}, "zhipu/GLM-8": {"release_date": "2026-02"}}
    },
}
OR_DOC = {"data": [{"id": "z-ai/glm-9", "created": 1773100800}]}  # 1773100800 = 2026-03-10T00:00:00Z


def _dates():
    return ev.read_models_dev(json.dumps(MD_DOC)) + ev.read_openrouter(json.dumps(OR_DOC))


def test_the_vendor_s_own_listing_outweighs_a_host_s_earlier_placeholder():
    found = ev.evidence("zhipu", {"slug": "glm-9"}, _dates())
    # zhipuai is Zhipu's own models.dev id and z-ai its OpenRouter prefix: both count (2026-03-10);
    # somehost's 2025-01-01 (read as January 2025) is left out by the module's rule.
    assert (found.earliest, found.latest) == (date(2026, 3, 10), date(2026, 3, 10))
    assert [d.label for d, _why in found.left_out] == ["models.dev somehost/glm-9"]
    assert found.verdict(date(2026, 3, 1)) == "early"
    assert found.verdict(date(2026, 3, 11)) == "late"
    assert found.verdict(date(2026, 3, 10)) is None
    assert found.verdict(None) == "late"


def test_without_a_vendor_listing_every_host_counts_and_a_month_is_an_interval():
    found = ev.evidence("zhipu", {"slug": "glm-8"}, _dates())
    # only somehost lists it, with a month: any day of February 2026 agrees
    assert (found.earliest, found.latest) == (date(2026, 2, 1), date(2026, 2, 28))
    assert found.verdict(date(2026, 2, 28)) is None
    assert found.verdict(date(2026, 3, 1)) == "late"


def test_a_curated_rejection_removes_an_entry():
    model = {"slug": "glm-8", "feed_dates_rejected": {"models.dev somehost/zhipu/GLM-8": "a placeholder"}}
    found = ev.evidence("zhipu", model, _dates())
    assert found.counted == ()
    assert found.verdict(None) is None


@pytest.mark.parametrize("value", ["2026-13", "soon", 20260101, None])
def test_unreadable_feed_dates_are_skipped(value):
    doc = {"x": {"models": {"m": {"release_date": value}}}}
    assert ev.read_models_dev(json.dumps(doc)) == []


def test_every_deprecation_date_litellm_gives_is_used_or_explained(shared_pages):
    deprecations = ev.feed_deprecations(shared_pages)
    assert deprecations, "LiteLLM 1.110.2 dates the retirement of several vendors' models"
    wrong = []
    for provider, m in _curated_models():
        dates = deprecations.get((provider, m["slug"].lower()), {})
        used = date.fromisoformat(m["deprecated_on"]) if m.get("deprecated_on") else None
        if dates and used not in dates and not (m.get("deprecated_note") or "").strip():
            wrong.append(f"{provider}/{m['slug']}: deprecated_on {used}, LiteLLM says {sorted(dates)}")
    assert not wrong, "\n".join(wrong)
    # e.g. LiteLLM's deepseek-chat entry: deprecation_date 2026-07-24
    assert date(2026, 7, 24) in deprecations[("deepseek", "deepseek-chat")]
