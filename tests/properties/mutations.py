"""Mutations of real profiles files, and what `validate` must do with any of them.

A mutation is a list of (operator, seed) steps applied to one of the seed files (profiles.example.yaml
and every ```yaml block of docs/): each operator draws what it changes from `random.Random(seed)`, so
hypothesis can shrink a failing case to few steps and small seeds, and the campaign script can replay
any case from its numbers. The operators break files the way people and tools do: deleted or
duplicated lines, flipped types, invisible and control characters, BOM, CRLF, tabs, anchors and merge
keys (self-referential too), deep nesting, huge values, refused tags, references to devices and
pipes, stray bytes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from testenv import REPO_DIR

BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)
VALUE = re.compile(r"^(\s*(?:- )?[^\s:#][^:#]*?:)( +)(\S.*)$")  # `key: value` lines (and list items)
KEY_LINE = re.compile(r"^(\s*)([A-Za-z_][\w-]*):\s*$")  # `key:` opening a block


def seeds() -> list[tuple[str, str]]:
    """(name, text) of every real file: the example and the docs' YAML blocks."""
    out = [("profiles.example.yaml", (REPO_DIR / "profiles.example.yaml").read_text(encoding="utf-8"))]
    for doc in sorted((REPO_DIR / "docs").glob("*.md")):
        for i, text in enumerate(BLOCK.findall(doc.read_text(encoding="utf-8"))):
            if text.lstrip().startswith(("version:", "# yaml-language-server")):
                out.append((f"{doc.name}#{i}", text))
    return out


FLIPS = [
    "null", "~", "true", "no", "1", "-1.5", "0x1F", "0o17", "1e999", ".nan", "2024-02-30", "[]", "{}",
    "[a, b]", "{a: 1}", '""', "''", "!!bool maybe", "!!int x", "!!float y", "=", "<<", "'${'", "yes",
    "9" * 5000, "@Microsoft.KeyVault(VaultName=x)", "|\n  block", ">-\n  folded",
]  # fmt: skip
CHARACTERS = [
    "\u202e", "\u202b", "\u200f", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029", "\x85", "\x00", "\x01",
    "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x9b", "\t", "\r", "\n", "\ud7ff", "\ue000", "\ufffd",
    "\U0001f680", "\u0301", "漢", "é", "\u00a0", "\u3000", "\ufffe",
]  # fmt: skip
SYNTAX = [":", ": ", "- ", "? ", "|", ">", "'", '"', "{", "}", "[", "]", "#", "&", "*", "!", "%", "@", "`", ",", "\\"]
REFERENCES = [
    "${env:HOME}", "${env:UNSET_VARIABLE}", "${env:X:-d}", "${file:/dev/zero}", "${file:/dev/stdin}",
    "${file:pipe}", "${file:.}", "${file:/proc/self/status}", "${file:missing}", "${keyvault:https://v.vault.azure.net/secrets/s}",
    "${keyvault:https://a\uff03b.vault.azure.net/secrets/s}", "${keyvault:https://[::1/secrets/s}",
    "${keyvault:https://v.vault.azure.net:99999/secrets/s}", "@Microsoft.KeyVault(SecretUri=https://x)",
    "$${", "${", "${env:", "${nope:x}", "@Microsoft.KeyVault(",
]  # fmt: skip
TAGS = [
    "!!set", "!!omap", "!!pairs", "!!binary", "!!timestamp", "!!python/object/apply:os.system", "!!python/name:x",
    "!custom", "!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq", "!<tag:yaml.org,2002:str>", "!",
    "!!merge", "!!value",
]  # fmt: skip
DEPTHS = [5, 33, 100, 500, 999, 1001, 3000]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _pick_value_line(lines: list[str], rng: random.Random) -> int | None:
    candidates = [i for i, line in enumerate(lines) if VALUE.match(line)]
    return rng.choice(candidates) if candidates else None


def _set_value(text: str, rng: random.Random, value: str) -> str:
    lines = _lines(text)
    i = _pick_value_line(lines, rng)
    if i is None:
        return text + value
    m = VALUE.match(lines[i])
    assert m is not None
    lines[i] = m.group(1) + m.group(2) + value
    return "\n".join(lines)


def delete_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def duplicate_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(rng.randrange(len(lines) + 1) if rng.random() < 0.3 else i, lines[i])
    return "\n".join(lines)


def swap_lines(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def flip_type(text: str, rng: random.Random) -> str:
    return _set_value(text, rng, rng.choice(FLIPS))


def insert_character(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(CHARACTERS) * rng.choice([1, 1, 2, 50]) + text[at:]


def insert_syntax(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(SYNTAX) + text[at:]


def bom_crlf_tabs(text: str, rng: random.Random) -> str:
    choice = rng.randrange(5)
    if choice == 0:
        return "\ufeff" + text
    if choice == 1:
        return text.replace("\n", "\r\n")
    if choice == 2:
        return text.replace("\n", "\r")
    lines = _lines(text)
    i = rng.randrange(len(lines))
    if choice == 3:
        lines[i] = re.sub(r"^ +", "\t", lines[i])
    else:
        lines[i] = lines[i] + "\t# trailing"
    return "\n".join(lines)


def reindent(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines[i] = (" " * rng.choice([1, 2, 3])) + lines[i] if rng.random() < 0.5 else lines[i].lstrip(" ")
    return "\n".join(lines)


def anchors_and_merges(text: str, rng: random.Random) -> str:
    """An anchor on a block, then an alias or merge key somewhere: before, inside (a cycle) or after it."""
    lines = _lines(text)
    blocks = [i for i, line in enumerate(lines) if KEY_LINE.match(line)]
    if not blocks:
        return text
    i = rng.choice(blocks)
    m = KEY_LINE.match(lines[i])
    assert m is not None
    lines[i] = f"{m.group(1)}{m.group(2)}: &a{i}"
    j = rng.randrange(len(lines) + 1)
    indent = " " * (len(m.group(1)) + 2) if rng.random() < 0.5 else m.group(1)
    use = rng.choice(
        [f"{indent}<<: *a{i}", f"{indent}extra: *a{i}", f"{indent}<<: [*a{i}, *a{i}]", f"{indent}*a{i}: x"]
    )
    lines.insert(j, use)
    return "\n".join(lines)


def deep_nesting(text: str, rng: random.Random) -> str:
    n = rng.choice(DEPTHS)
    kind = rng.randrange(3)
    if kind == 0:
        value = "[" * n + "x" + "]" * n
    elif kind == 1:
        value = "{a: " * n + "x" + "}" * n
    else:
        value = "".join("\n" + "  " * (k + 3) + "k:" for k in range(min(n, 400))) + " x"
    return _set_value(text, rng, value)


def huge_value(text: str, rng: random.Random) -> str:
    size = rng.choice([10_000, 1_000_000, 3_000_000])
    kind = rng.randrange(4)
    if kind == 0:
        value = "x" * size
    elif kind == 1:
        value = "[" + ", ".join(["1"] * (size // 20)) + "]"
    elif kind == 2:
        value = '"' + "\\u202e" * (size // 100) + '"'
    else:
        value = "{" + ", ".join(f"k{n}: {n}" for n in range(size // 100)) + "}"
    return _set_value(text, rng, value)


def many_aliases(text: str, rng: random.Random) -> str:
    """Aliases that multiply each other ("billion laughs"), hung under the top level."""
    levels = rng.choice([3, 6, 9])
    rows = ["lol0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"lol{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * 10) + "]" for k in range(1, levels)]
    return text + "\n" + "\n".join(rows) + "\n"


def add_reference(text: str, rng: random.Random) -> str:
    return _set_value(text, rng, "'" + rng.choice(REFERENCES) + "'")


def add_tag(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = _pick_value_line(lines, rng)
    if i is None:
        return text
    m = VALUE.match(lines[i])
    assert m is not None
    lines[i] = f"{m.group(1)} {rng.choice(TAGS)} {m.group(3)}"
    return "\n".join(lines)


def documents_and_directives(text: str, rng: random.Random) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return "---\n" + text + "\n...\n"
    if choice == 1:
        return text + "\n---\nversion: 1\n"
    if choice == 2:
        return "%YAML 1.1\n---\n" + text
    return "%TAG ! tag:example.com,2000:\n---\n" + text


def self_extends(text: str, rng: random.Random) -> str:
    """A profile or template that extends itself, an unknown name, or a list with a bad item."""
    names = re.findall(r"^  ([A-Za-z0-9][\w-]*):\s*$", text, re.M)
    target = rng.choice(names) if names else "x"
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, "    extends: " + rng.choice([target, f"[{target}, {target}]", "[1, null]", "nope", "{a: 1}"]))
    return "\n".join(lines)


def truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text) + 1)]


TEXT_OPERATORS: list[Callable[[str, random.Random], str]] = [
    delete_line,
    duplicate_line,
    swap_lines,
    flip_type,
    insert_character,
    insert_syntax,
    bom_crlf_tabs,
    reindent,
    anchors_and_merges,
    deep_nesting,
    huge_value,
    many_aliases,
    add_reference,
    add_tag,
    documents_and_directives,
    self_extends,
    truncate,
]
BYTE_OPERATORS = ["flip_byte", "insert_invalid_byte", "cut_utf8", "utf16"]
OPERATORS = [op.__name__ for op in TEXT_OPERATORS] + BYTE_OPERATORS


def numbered_case(n: int, count: int) -> tuple[int, list[tuple[str, int]]]:
    """Case `n` of a campaign over `count` seeds: which seed, and 1-5 steps; the same on every run."""
    rng = random.Random(n)
    steps = [(rng.choice(OPERATORS), rng.randrange(2**32)) for _ in range(rng.randint(1, 5))]
    return rng.randrange(count), steps


def mutate(text: str, steps: list[tuple[str, int]]) -> bytes:
    """The seed text after each (operator, seed) step, as the bytes of a file."""
    by_name = {op.__name__: op for op in TEXT_OPERATORS}
    data: bytes | None = None
    for name, seed in steps:
        rng = random.Random(seed)
        if name in by_name:
            if data is not None:
                text = data.decode("utf-8", "surrogateescape")
                data = None
            text = by_name[name](text or "\n", rng)
        else:
            data = _bytes_step(name, data if data is not None else _encode(text), rng)
    return data if data is not None else _encode(text)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _bytes_step(name: str, data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    if name == "flip_byte" and data:
        at = min(at, len(data) - 1)
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    if name == "insert_invalid_byte":
        return data[:at] + bytes([rng.choice([0x80, 0xC3, 0xE2, 0xF0, 0xFE, 0xFF])]) + data[at:]
    if name == "cut_utf8":
        return (data + "é漢🚀".encode())[: len(data) + rng.randrange(1, 9)]
    return data.decode("utf-8", "replace").encode("utf-16")


def write_case(directory: Path, data: bytes) -> Path:
    """The mutated file as `profiles.yaml` in `directory`, beside a named pipe `pipe`."""
    import os

    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "pipe").exists():
        os.mkfifo(directory / "pipe")
    path = directory / "profiles.yaml"
    path.write_bytes(data)
    return path
