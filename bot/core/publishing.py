"""Putting a new version of a brand's tip file into service: what changed, names another brand
already owns, an atomic install, and adding a shopper's phrasing to a tip without disturbing the
rest of the file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from .files import atomic_write
from .guides import Brand, GuideError, parse_guide
from .names import name_clashes

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    brand_changed: bool = False

    @property
    def nothing(self) -> bool:
        return not (self.added or self.changed or self.removed or self.brand_changed)


def changes(old: Brand | None, new: Brand) -> Changes:
    """Tips added, changed and removed between two versions of a brand (by tip id)."""
    before = {t.id: t for t in old.tips} if old else {}
    after = {t.id: t for t in new.tips}
    brand_changed = old is not None and (old.name, old.aliases, old.category, old.official) != (
        new.name,
        new.aliases,
        new.category,
        new.official,
    )
    return Changes(
        added=tuple(i for i in after if i not in before),
        changed=tuple(i for i in after if i in before and before[i] != after[i]),
        removed=tuple(i for i in before if i not in after),
        brand_changed=brand_changed,
    )


def name_clash_errors(data: bytes, filename: str, brand: Brand, others: Sequence[Brand]) -> list[GuideError]:
    """Each name or alias of ``brand`` (parsed from ``data``) that another brand already owns, as
    an error on its line: ``x.yaml:4: brand.aliases: "茅台" is already a name of moutai (贵州茅台)``.

    A brand's staff must not publish another brand's names: its tips and "official" links would
    then answer that brand's shoppers. Only an admin can settle it, by editing both files.
    """
    clashes = name_clashes(brand, others)
    if not clashes:
        return []
    fields = _value(yaml.compose(data.decode("utf-8-sig"), Loader=_LOADER), "brand")
    errors = []
    for name, owner in clashes:
        field, line = _name_line(fields, name, own_name=name == brand.name)
        errors.append(GuideError(filename, line, field, f'"{name}" is already a name of {owner.id} ({owner.name})'))
    return errors


def _name_line(fields: yaml.Node | None, name: str, own_name: bool) -> tuple[str, int]:
    """Which field holds ``name`` and its line (1-based)."""
    if own_name:
        node = _value(fields, "name")
        return "brand.name", node.start_mark.line + 1 if node is not None else 1
    aliases = _value(fields, "aliases")
    items = aliases.value if isinstance(aliases, yaml.SequenceNode) else []
    node = next((item for item in items if isinstance(item, yaml.ScalarNode) and item.value.strip() == name), aliases)
    return "brand.aliases", node.start_mark.line + 1 if node is not None else 1


def install(guides_dir: Path, brand_id: str, data: bytes) -> Path:
    """Write ``<brand_id>.yaml`` atomically: temp file, fsync, rename, fsync the directory.

    A reader (or a crash) sees the old file or the new one, never half of either.
    """
    target = guides_dir / f"{brand_id}.yaml"
    atomic_write(target, data)
    return target


def add_question(data: bytes, tip_id: str, question: str) -> bytes:
    """The file with ``question`` appended to a tip's questions, everything else byte for byte.

    The insertion point comes from the YAML node marks of the (already valid) file, so comments
    and formatting brand staff wrote are kept. The question is written as a JSON string, which
    is also a valid YAML double-quoted scalar: no text a shopper types can break the file.
    """
    text = data.decode("utf-8-sig")
    root = yaml.compose(text, Loader=_LOADER)
    sequence = _questions_node(root, tip_id)
    scalar = json.dumps(" ".join(question.split()), ensure_ascii=False)
    if sequence.flow_style:
        end = sequence.end_mark.index - 1  # the closing ']'
        insert = f", {scalar}" if sequence.value else scalar
        new_text = text[:end] + insert + text[end:]
    else:
        last = sequence.value[-1]
        line_start = text.rfind("\n", 0, last.start_mark.index) + 1
        indent = text[line_start : last.start_mark.index]
        line_end = text.find("\n", last.end_mark.index)
        line_end = len(text) if line_end < 0 else line_end
        new_text = text[:line_end] + "\n" + indent + scalar + text[line_end:]
    parse_guide(new_text.encode("utf-8"), "edited.yaml")  # still valid, or this raises
    return new_text.encode("utf-8")


def _questions_node(root: yaml.Node | None, tip_id: str) -> yaml.SequenceNode:
    tips = _value(root, "tips")
    for tip in tips.value if isinstance(tips, yaml.SequenceNode) else []:
        ident = _value(tip, "id")
        if isinstance(ident, yaml.ScalarNode) and ident.value == tip_id:
            questions = _value(tip, "questions")
            if isinstance(questions, yaml.SequenceNode):
                return questions
    raise KeyError(f"no tip {tip_id!r} with a questions list")


def _value(mapping: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(mapping, yaml.MappingNode):
        return None
    return next((v for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
