"""Like for like as data (issue 16 part 4): every mapping has a fit and a note; the seed refuses a
ladder that picks an unlike model while a like one is available, and a text embedding mapped to a
multimodal model."""

import json
from datetime import date

import pytest

from offers.catalog import mapping_checks
from offers.catalog.seed import CURATED_DIR, SeedError, check_mappings, expand_mappings

SPEC = json.loads((CURATED_DIR / "mappings.json").read_text(encoding="utf-8"))
SEED = CURATED_DIR.parent / "catalog.json"


def _seed_models():
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    return {(p["slug"], m["slug"]): m for p in doc["providers"] for m in p["models"]}


def _choice(mappings, models, openai_model, provider, day):
    ladder = sorted((m for m in mappings if (m["openai_model"], m["provider"]) == (openai_model, provider)),
                    key=lambda m: m["rank"])  # fmt: skip
    for m in ladder:
        t = models[(provider, m["model"])]
        if (t["released_on"] is None or t["released_on"] <= day) and (
            t["deprecated_on"] is None or t["deprecated_on"] > day
        ):
            return m
    return None


def test_every_curated_mapping_has_a_fit_and_a_note():
    mappings = expand_mappings(SPEC)
    assert mappings
    for m in mappings:
        assert m["fit"] in mapping_checks.FITS, m
        assert m["note"].strip(), m


def test_the_seed_s_mappings_break_no_rule():
    assert mapping_checks.problems(expand_mappings(SPEC), _seed_models()) == []


@pytest.mark.parametrize("day", ["2026-12-06", "2024-07-10"])
def test_the_issue_s_counterparts(day):
    mappings, models = expand_mappings(SPEC), _seed_models()
    if day == "2026-12-06":
        # Moonshot sells only Kimi K2.6 (a flagship): for gpt-4o-mini and the nano models it is marked larger
        for om in ("gpt-4o-mini", "gpt-5-nano"):
            kimi = _choice(mappings, models, om, "moonshot", day)
            assert (kimi["model"], kimi["fit"]) == ("kimi-k2.6", "larger")
        # yi-lightning (16K context, CNY 0.99) is no longer 01.AI's counterpart of gpt-4o
        yi = _choice(mappings, models, "gpt-4o", "01ai", day)
        assert (yi["model"], yi["fit"]) == ("yi-large", "like_for_like")
        # iFlytek's 4.0Ultra is not a small model's like-for-like counterpart
        assert _choice(mappings, models, "gpt-4o-mini", "iflytek", day)["fit"] != "like_for_like"
    else:
        # Tencent's counterpart of gpt-4o-mini on 2024-07-10: Hunyuan-Lite (released 2024-05-22)
        hy = _choice(mappings, models, "gpt-4o-mini", "tencent", day)
        assert (hy["model"], hy["fit"]) == ("hunyuan-lite", "like_for_like")
    # no text embedding is mapped to Volcano's multimodal embedding model
    assert not [m for m in mappings if m["model"] == "doubao-embedding-vision"]


MODELS = {
    ("openai", "gpt-x-mini"): {"kind": "chat"},
    ("openai", "emb"): {"kind": "embedding"},
    ("v", "big"): {"kind": "chat", "released_on": "2025-01-01"},
    ("v", "small-old"): {"kind": "chat", "released_on": "2024-01-01", "deprecated_on": "2025-06-01"},
    ("v", "small-new"): {"kind": "chat", "released_on": "2025-03-01"},
    ("v", "emb-vision"): {"kind": "embedding", "multimodal": True},
}


def _m(model, rank, fit, openai_model="gpt-x-mini"):
    return {
        "openai_model": openai_model,
        "provider": "v",
        "model": model,
        "rank": rank,
        "fit": fit,
        "note": "n",
    }


def test_a_rank_1_unlike_model_is_refused_while_the_vendor_has_a_like_one():
    found = mapping_checks.problems([_m("big", 1, "larger"), _m("small-new", 2, "like_for_like")], MODELS)
    assert found == ["gpt-x-mini -> v rank 1 big (larger): rank 1 must be like for like while the vendor has "
                     "small-new (rank 2) like for like"]  # fmt: skip


def test_a_ladder_that_falls_to_an_unlike_model_while_a_like_one_is_available_is_refused():
    # small-old (like) retires 2025-06-01, big (larger) is rank 2 and small-new (like) rank 3: from
    # 2025-06-01 the ladder picks big although small-new (released 2025-03-01) is available.
    ladder = [
        _m("small-old", 1, "like_for_like"),
        _m("big", 2, "larger"),
        _m("small-new", 3, "like_for_like"),
    ]
    found = mapping_checks.problems(ladder, MODELS)
    assert found == ["gpt-x-mini -> v rank 2 big (larger): chosen from 2025-06-01 while small-new "
                     "(rank 3, like for like) is available"]  # fmt: skip
    # the same models in the right order pass: like-for-like first, the larger one as the last resort
    good = [_m("small-new", 1, "like_for_like"), _m("small-old", 2, "like_for_like"), _m("big", 3, "larger")]
    assert mapping_checks.problems(good, MODELS) == []


def test_an_unlike_model_is_allowed_where_the_vendor_has_no_like_one():
    assert mapping_checks.problems([_m("big", 1, "larger")], MODELS) == []


def test_a_text_embedding_mapped_to_a_multimodal_model_is_refused():
    found = mapping_checks.problems([_m("emb-vision", 1, "other_class", openai_model="emb")], MODELS)
    assert found == ["emb -> v rank 1 emb-vision (other_class): a text embedding model cannot be replaced "
                     "by a multimodal one"]  # fmt: skip


def test_a_missing_fit_or_note_is_refused():
    bad = dict(_m("big", 1, None), note=" ")
    assert mapping_checks.problems([bad], MODELS) == [
        "gpt-x-mini -> v rank 1 big (None): fit must be one of like_for_like, larger, smaller, other_class",
        "gpt-x-mini -> v rank 1 big (None): a mapping needs a note saying why it fits as it does",
    ]


def test_the_seed_builder_names_the_broken_mapping():
    providers = [{"slug": "openai", "models": [{"slug": "gpt-x-mini", "kind": "chat"}]},
                 {"slug": "v", "models": [{"slug": "big", "kind": "chat"}, {"slug": "small-new", "kind": "chat"}]}]  # fmt: skip
    mappings = [_m("big", 1, "larger"), _m("small-new", 2, "like_for_like")]
    with pytest.raises(
        SeedError, match=r"gpt-x-mini -> v rank 1 big \(larger\): rank 1 must be like for like"
    ):
        check_mappings(mappings, providers, [])


def test_availability_follows_rule_4():
    m = {"released_on": "2025-01-01", "deprecated_on": "2025-06-01"}
    assert not mapping_checks._available(m, date(2024, 12, 31))
    assert mapping_checks._available(m, date(2025, 1, 1))
    assert not mapping_checks._available(m, date(2025, 6, 1))


@pytest.mark.django_db
def test_the_model_and_vendor_pages_show_a_mapping_s_fit(client):
    from offers.models import ModelMapping
    from tests.factories import ModelFactory, ProviderFactory, map_model

    openai = ProviderFactory(slug="openai", name="OpenAI")
    mini = ModelFactory(provider=openai, slug="gpt-4o-mini")
    kimi = ModelFactory(provider=ProviderFactory(slug="moonshot"), slug="kimi-k2.6")
    map_model(mini, kimi, rank=1)
    ModelMapping.objects.update(fit="larger", note="Moonshot sells no small model")
    html = client.get(kimi.get_absolute_url()).content.decode()
    assert '<code>gpt-4o-mini</code> <span class="fit-flag" data-fit="larger">(larger model)</span>' in html
    html = client.get(f"{kimi.provider.get_absolute_url()}?from=gpt-4o-mini").content.decode()
    assert 'data-fit="larger">(larger model)</span>' in html
    ModelMapping.objects.update(fit="like_for_like")
    assert "fit-flag" not in client.get(kimi.get_absolute_url()).content.decode()
