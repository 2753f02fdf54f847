"""The seed's rules for counterparts (issue 16 part 4): every mapping says how well it fits, the
best counterpart is like for like whenever the vendor has one, and a text embedding is never
replaced by a multimodal one.

Pure functions over the seed's plain mapping dicts and exported provider dicts; they return the
problems (each naming the mapping) instead of raising, so the seed builder reports all at once.
"""

from datetime import date

FITS = ("like_for_like", "larger", "smaller", "other_class")
LIKE = "like_for_like"


def _day(value):
    return date.fromisoformat(value) if value else None


def _available(model, day):
    """Rule 4's predicate (offers.counterparts.is_available) on an exported model dict."""
    released, deprecated = _day(model.get("released_on")), _day(model.get("deprecated_on"))
    return (released is None or released <= day) and (deprecated is None or deprecated > day)


def _name(m):
    return f"{m['openai_model']} -> {m['provider']} rank {m['rank']} {m['model']} ({m.get('fit')})"


def is_multimodal(model):
    """A model that embeds images or video beside text: the curated `multimodal` flag, or vision
    among its capabilities."""
    return bool(model.get("multimodal")) or "vision" in (model.get("capabilities") or [])


def problems(mappings, models):
    """Problems of `mappings` (dicts with openai_model, provider, model, rank, fit, note) against
    `models`: {(provider, slug): model dict with kind, released_on, deprecated_on, capabilities,
    multimodal}."""
    out = []
    ladders = {}
    for m in mappings:
        if m.get("fit") not in FITS:
            out.append(f"{_name(m)}: fit must be one of {', '.join(FITS)}")
        if not (m.get("note") or "").strip():
            out.append(f"{_name(m)}: a mapping needs a note saying why it fits as it does")
        baseline = models.get(("openai", m["openai_model"]), {})
        target = models.get((m["provider"], m["model"]), {})
        if baseline.get("kind") == "embedding" and not is_multimodal(baseline):
            if target.get("kind") != "embedding":
                out.append(f"{_name(m)}: a text embedding model needs an embedding model")
            elif is_multimodal(target):
                out.append(f"{_name(m)}: a text embedding model cannot be replaced by a multimodal one")
        ladders.setdefault((m["openai_model"], m["provider"]), []).append(m)
    for ladder in ladders.values():
        ladder.sort(key=lambda m: m["rank"])
        likes = [m for m in ladder if m.get("fit") == LIKE]
        if likes and ladder[0].get("fit") != LIKE:
            out.append(f"{_name(ladder[0])}: rank 1 must be like for like while the vendor has "
                       f"{likes[0]['model']} (rank {likes[0]['rank']}) like for like")  # fmt: skip
            continue
        out += _dated(ladder, models)
    return out


def _dated(ladder, models):
    """The ladder's choice on every day its availability changes (each model's release and
    deprecation, and before all of them): never an unlike model while a like one is available."""
    targets = [models.get((m["provider"], m["model"]), {}) for m in ladder]
    days = {date.min}
    for t in targets:
        days.update(d for d in (_day(t.get("released_on")), _day(t.get("deprecated_on"))) if d)
    for day in sorted(days):
        open_steps = [m for m, t in zip(ladder, targets, strict=True) if _available(t, day)]
        if open_steps and open_steps[0].get("fit") != LIKE:
            like = next((m for m in open_steps if m.get("fit") == LIKE), None)
            if like is not None:
                return [f"{_name(open_steps[0])}: chosen from {day.isoformat()} while {like['model']} "
                        f"(rank {like['rank']}, like for like) is available"]  # fmt: skip
    return []
