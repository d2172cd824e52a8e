"""Putting a new version of a brand's tip file into service: what changed, an atomic install,
and adding a shopper's phrasing to a tip without disturbing the rest of the file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from .files import atomic_write
from .guides import Brand, parse_guide


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
    brand_changed = old is not None and (old.name, old.aliases, old.category, old.official) != (new.name, new.aliases, new.category, new.official)
    return Changes(
        added=tuple(i for i in after if i not in before),
        changed=tuple(i for i in after if i in before and before[i] != after[i]),
        removed=tuple(i for i in before if i not in after),
        brand_changed=brand_changed,
    )


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
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
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


def _questions_node(root: yaml.Node, tip_id: str) -> yaml.SequenceNode:
    tips = _value(root, "tips")
    for tip in tips.value if isinstance(tips, yaml.SequenceNode) else []:
        ident = _value(tip, "id")
        if isinstance(ident, yaml.ScalarNode) and ident.value == tip_id:
            questions = _value(tip, "questions")
            if isinstance(questions, yaml.SequenceNode):
                return questions
    raise KeyError(f"no tip {tip_id!r} with a questions list")


def _value(mapping: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(mapping, yaml.MappingNode):
        return None
    return next((v for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
