"""The layout's rules read from the code (issue 15; docs/architecture.md): module sizes, no import
circles, and lower layers never importing higher ones.

No Django and no database: the modules under offers/ and scrapers/ are read as text and parsed
with `ast`; nothing is imported. The checkers are tried first on small hand-made inputs whose
answers are worked out by hand, then on the repository.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("offers", "scrapers", "watches")
SOFT_LIMIT = 600  # over this a module states why in a "# size:" comment
HARD_LIMIT = 800  # over this a module owns more than one idea: make it a package

# The layers of offers, low to high; a module may import its own layer and lower ones only.
# Modules not listed (admin, urls, apps, management commands) are the top: they wire the rest.
OFFERS_LAYERS = (
    ("offers.models",),
    # The tokenizer registry imports offers.models only, so that the catalog's import and seed
    # builder can check a model's tokenizer against it.
    ("offers.tokens",),
    ("offers.catalog",),
    ("offers.bills",),
    ("offers.estimator",),
    ("offers.web", "offers.api", "offers.templatetags"),
)
TOP = len(OFFERS_LAYERS)
# The scrapers' parsers are pure functions of text: they import nothing of offers, and the seed
# builder (offers.catalog.seed) may use them. The rest of scrapers (fetching, applying, tasks,
# admin) may import offers.models and offers.catalog only.
PARSERS = ("scrapers.base", "scrapers.parsing", "scrapers.sources")
SCRAPERS_MAY_IMPORT = ("offers.models", "offers.catalog")


# --- reading the code ------------------------------------------------------------------------------


def module_files(root=ROOT):
    """{dotted module name: path} of every module under the apps, migrations left out (generated)."""
    found = {}
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _absolute(node, module, is_package):
    """The module an ImportFrom reads from, with a relative import resolved against `module`."""
    if not node.level:
        return node.module
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(source, module, known, *, is_package=False, top_level_only=True):
    """The modules of `known` that `source` (the text of `module`) imports. `from a import b` reads
    a.b when that is a module, else a. With `top_level_only`, imports inside functions and classes
    (run later, not at import time) are left out."""
    tree = ast.parse(source)
    if top_level_only:
        nodes, stack = [], list(tree.body)
        while stack:  # module level, including `if` / `try` blocks, not def or class bodies
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            nodes.append(node)
            for field in ("body", "orelse", "finalbody", "handlers"):
                stack.extend(getattr(node, field, ()) or ())
    else:
        nodes = list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return {name for name in found if name in known and name != module}


def import_graph(files, *, top_level_only=True):
    known = set(files)
    return {
        module: imports(
            path.read_text(),
            module,
            known,
            is_package=path.name == "__init__.py",
            top_level_only=top_level_only,
        )
        for module, path in files.items()
    }


def cycles(graph):
    """Every strongly connected group of more than one module, or a module importing itself, as
    sorted lists (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in graph.get(node, ()):
                    out.append(sorted(group))
    return sorted(out)


def _within(module, prefix):
    return module == prefix or module.startswith(prefix + ".")


def offers_rank(module):
    for rank, prefixes in enumerate(OFFERS_LAYERS):
        if any(_within(module, p) for p in prefixes):
            return rank
    return TOP


def layer_problem(importer, imported):
    """Why `importer` may not import `imported` (None when it may)."""
    if _within(importer, "scrapers"):
        if any(_within(importer, p) for p in PARSERS):
            if _within(imported, "offers"):
                return "the scrapers' parsers import nothing of offers"
            return None
        if _within(imported, "offers") and not any(_within(imported, p) for p in SCRAPERS_MAY_IMPORT):
            return "scrapers may import offers.models and offers.catalog only"
        return None
    if _within(importer, "offers"):
        if _within(imported, "scrapers"):
            if offers_rank(importer) == TOP or (
                _within(importer, "offers.catalog") and any(_within(imported, p) for p in PARSERS)
            ):
                return None
            return "offers reads scrapers only in the seed builder (its parsers) and the top modules"
        if offers_rank(imported) > offers_rank(importer):
            return "a lower layer imports a higher one"
    return None


def size_problem(source):
    """Why a module's length is not allowed (None when it is)."""
    lines = source.count("\n") + (0 if source.endswith("\n") or not source else 1)
    if lines > HARD_LIMIT:
        return f"{lines} lines, over {HARD_LIMIT}: make it a package"
    if lines > SOFT_LIMIT and not any(line.lstrip().startswith("# size:") for line in source.splitlines()):
        return f'{lines} lines, over {SOFT_LIMIT}, without a "# size:" comment saying why'
    return None


# --- the checkers on hand-made inputs --------------------------------------------------------------


def test_cycles_are_found_by_hand():
    # a -> b -> c -> a is one circle; d -> e is not; f imports itself; g -> h -> g is a second one.
    graph = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": {"e"},
        "e": set(),
        "f": {"f"},
        "g": {"h"},
        "h": {"g"},
    }
    assert cycles(graph) == [["a", "b", "c"], ["f"], ["g", "h"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_imports_are_read_at_module_level_and_resolved():
    known = {"p", "p.a", "p.b", "p.c", "p.d", "q"}
    source = (
        "import q\n"
        "from . import a\n"  # p.c is in package p: "." is p, and a is a module there -> p.a
        "from .b import thing\n"  # -> p.b (thing is not a module)
        "from p import not_a_module\n"  # -> p (the package itself)
        "try:\n    from .d import x\nexcept ImportError:\n    pass\n"  # module level too -> p.d
        "def later():\n    from . import b\n"  # inside a function: left out at module level
        "import json\n"  # not one of ours
    )
    assert imports(source, "p.c", known) == {"q", "p.a", "p.b", "p", "p.d"}
    # Every import, functions included: the same, since p.b is already there.
    assert imports(source, "p.c", known, top_level_only=False) == {"q", "p.a", "p.b", "p", "p.d"}
    # In a package's __init__ (module "p"), "." is p itself: .b is p.b; p itself is left out.
    assert imports("from .b import x\nfrom . import a\n", "p", known, is_package=True) == {"p.b", "p.a"}


def test_layer_rules_by_hand():
    assert layer_problem("offers.web.feeds", "offers.estimator") is None  # down
    assert layer_problem("offers.estimator.plans", "offers.estimator.prices") is None  # same layer
    assert layer_problem("offers.api.views", "offers.web.page_cache") is None  # same layer
    assert layer_problem("offers.models", "offers.catalog.version") == "a lower layer imports a higher one"
    assert layer_problem("offers.catalog.fx", "offers.estimator") == "a lower layer imports a higher one"
    assert (
        layer_problem("offers.estimator.snapshot", "offers.web.browse")
        == "a lower layer imports a higher one"
    )
    assert layer_problem("offers.admin", "offers.catalog.services") is None  # the top wires the rest
    assert layer_problem("offers.catalog.seed", "scrapers.sources") is None
    assert layer_problem("offers.catalog.seed", "scrapers.pipeline") is not None
    assert layer_problem("scrapers.apply", "offers.catalog.fx") is None
    assert layer_problem("scrapers.apply", "offers.estimator") is not None
    assert layer_problem("scrapers.parsing.text", "offers.models") is not None


def test_size_rule_by_hand():
    assert size_problem("x = 1\n" * 600) is None
    assert size_problem("x = 1\n" * 601) == '601 lines, over 600, without a "# size:" comment saying why'
    assert size_problem("# size: one table of rules, read top to bottom\n" + "x = 1\n" * 700) is None
    assert size_problem("# size: a reason\n" + "x = 1\n" * 800) == "801 lines, over 800: make it a package"


# --- the repository --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files():
    return module_files()


def test_the_packages_of_the_layout_exist(files):
    for name in (
        "offers.catalog",
        "offers.catalog.io",
        "offers.estimator",
        "offers.estimator.snapshot",
        "offers.bills",
        "offers.bills.openai",
        "offers.web",
        "offers.web.browse",
        "offers.web.estimate",
        "offers.api",
        "scrapers.parsing",
    ):
        assert name in files, name


def test_no_module_is_too_long(files):
    problems = {name: size_problem(path.read_text()) for name, path in files.items()}
    assert {name: p for name, p in problems.items() if p} == {}


def test_no_import_circles(files):
    assert cycles(import_graph(files)) == []


def test_lower_layers_never_import_higher_ones(files):
    # Every import counts here, those inside functions too: a late import does not change who
    # depends on whom.
    graph = import_graph(files, top_level_only=False)
    problems = sorted(
        (importer, imported, problem)
        for importer, targets in graph.items()
        for imported in targets
        if (problem := layer_problem(importer, imported))
    )
    assert problems == []
