"""The architecture's rules, checked: the bot process and the CLI's help load no torch; the engine
never imports the bot or the worker; the bot reaches the engine only through the job protocol."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: str) -> dict[str, set[str]]:
    """Every module each file of ``package`` imports (absolute names)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        parts = path.relative_to(ROOT).with_suffix("").parts
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against the file's package
                    base = ".".join(parts[: len(parts) - node.level])
                    names.add(f"{base}.{node.module}" if node.module else base)
                else:
                    names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_the_engine_knows_nothing_of_the_bot_and_the_bot_only_the_protocol():
    for path, names in imported_modules("engine").items():
        assert not any(n.split(".")[0] in ("bot", "worker", "telegram") for n in names), path
    allowed_engine = (
        "engine.errors",
        "engine.imaging",
        "engine.settings",
        "engine.modes",  # the registry of modes: plain data, no torch
        "engine.modes.base",  # what a mode is: its record and the words it is described in
        "engine.results",  # what a job reports: its notes by code
        "engine.modes.video",  # the clip mode's settings: plain data
        "engine.video.clips",  # reading clips (PyAV), no torch
        "engine.presets",
        "engine.optimize.schedule",
    )
    for path, names in imported_modules("bot").items():
        assert not any(n.split(".")[0] == "torch" for n in names), path
        engine_parts = {n for n in names if n.split(".")[0] == "engine" and n != "engine"}
        assert engine_parts <= set(allowed_engine), (path, engine_parts - set(allowed_engine))
        assert "worker.local" not in names or path == "bot/app.py", path  # only the default EngineClient


def test_no_torch_in_the_bot_process_or_the_clis_help():
    code = (
        "import sys, bot.app, bot.__main__, engine, engine.cli, engine.modes, worker.protocol, worker.local; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr


def _module_graph(packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module → our modules it imports (a package's own submodules importing it do not count)."""
    files = {p: n for package in packages for p, n in imported_modules(package).items()}
    module = {p: p.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for p in files}
    ours = set(module.values())
    graph: dict[str, set[str]] = {}
    for path, names in files.items():
        me = module[path]
        targets = set()
        for name in names:
            while name and name not in ours:  # `from .x import y` names y too: walk up to a module
                name = name.rpartition(".")[0]
            if name and name != me and not me.startswith(name + "."):
                targets.add(name)
        graph[me] = targets
    return graph


def test_no_import_cycles():
    graph = _module_graph(("bot", "engine", "worker", "devtools"))
    reaches: dict[str, set[str]] = {}

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for name in graph:
        reaches[name] = reachable(name)
    cycles = sorted(
        {tuple(sorted(n for n in graph if n in reaches[m] and m in reaches[n])) for m in graph if m in reaches[m]}
    )
    assert cycles == [], cycles


def test_no_module_over_450_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for package in ("bot", "engine", "worker")
        for path in (ROOT / package).rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 450
    }
    assert long == {}, long


#: Where a mode's name may stand as a string outside engine/modes and bot/modes, because there it
#: means something else that happens to be spelt the same: file → (word, times, what it means).
OTHER_MEANINGS = {
    "bot/domain/drafts.py": ("style", 1, "the caption that makes a picture a style"),
    "bot/domain/quality.py": ("instant", 1, "the quality of that name, the instant mode's one preset"),
    "bot/telegram/inbox.py": ("video", 1, "the Bot API message field"),
    "bot/telegram/stickers.py": ("video", 1, "the Bot API's sticker format"),
    "worker/protocol.py": ("video sticker style", 4, "media kinds; the style mode's spec of protocol v0"),
}


def test_only_the_modes_name_a_mode():
    """What a mode is (its lane, engine process, quota, subject, media) is read from its record
    (engine.modes.base.Mode, bot.modes.base.BotMode): the bot and the workers name no mode."""
    from engine.modes import MODES

    found: dict[str, list[str]] = {}
    for package in ("bot", "worker"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            if name.startswith("bot/modes/"):
                continue
            tree = ast.parse(path.read_text())
            words = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in MODES]
            if words:
                found[name] = words
    allowed = {name: (set(words.split()), times) for name, (words, times, _) in OTHER_MEANINGS.items()}
    strays = {
        name: words
        for name, words in found.items()
        if name not in allowed or not set(words) <= allowed[name][0] or len(words) > allowed[name][1]
    }
    assert strays == {}, strays
    assert set(found) == set(OTHER_MEANINGS)  # (the list keeps no entry nothing needs)
