"""Brand tip files: parse, validate and load them (contract: shared tip-file-format.md, version 1).

A tip file is written by brand staff and uploaded through the bot, so it is untrusted input.
It is parsed into a YAML *node* tree (never constructed into Python objects with
``yaml.load``), and the tree is walked against the schema by hand so that every error can name
the file, the line and the field: ``moutai.yaml:14: tips[2].questions: must be a non-empty list``.
All errors in a file are collected, so brand staff fix them in one round trip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .perf import paused_gc

try:  # libyaml's C parser is ~10x faster; fall back to pure Python where it is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 256 * 1024
MAX_TIPS = 200
MAX_ANSWER_CHARS = 3500
SCHEMA_VERSION = 1
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
_URL_PATTERN = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_IMAGE_URL_PATTERN = re.compile(r"^https://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_STR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
}
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True, slots=True)
class Official:
    """Where a shopper verifies for certain; the bot always points there."""

    verify_url: str | None = None
    hotline: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Tip:
    id: str
    title: str
    questions: tuple[str, ...]
    answer: str
    keywords: tuple[str, ...] = ()
    answer_en: str | None = None
    related: tuple[str, ...] = ()
    images: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Brand:
    id: str
    name: str
    aliases: tuple[str, ...]
    category: str
    tips: tuple[Tip, ...]
    official: Official = field(default_factory=Official)

    def tip(self, tip_id: str) -> Tip | None:
        return next((t for t in self.tips if t.id == tip_id), None)


@dataclass(frozen=True, slots=True)
class GuideError:
    """One problem in one tip file, printed as ``file:line: field: message``."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class GuidesNotFound(Exception):
    """The guides directory does not exist or is not a directory."""


class GuideInvalid(Exception):
    """A tip file was refused; ``errors`` lists every problem found."""

    def __init__(self, errors: list[GuideError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class LoadResult:
    brands: tuple[Brand, ...]
    errors: tuple[GuideError, ...]


def parse_guide(data: bytes, filename: str, expected_id: str | None = None) -> Brand:
    """Validate one tip file's bytes and return its brand, or raise :class:`GuideInvalid`.

    ``expected_id`` is the id the file must declare (the file stem when loading from disk);
    ``None`` skips that check, for uploads whose name is not trusted.
    """
    if len(data) > MAX_FILE_BYTES:
        kib = (len(data) + 1023) // 1024
        raise GuideInvalid([GuideError(filename, 1, "", f"file is {kib} KiB; the limit is 256 KiB")])
    text = _decode(data, filename)
    root = _compose(text, filename)
    checker = _Checker(filename)
    brand = checker.brand_file(root, expected_id)
    if checker.errors or brand is None:
        raise GuideInvalid(sorted(checker.errors, key=lambda e: e.line))
    return brand


def load_guide(path: Path) -> Brand:
    """Read and validate one file; its stem must equal ``brand.id``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GuideInvalid([GuideError(path.name, 1, "", f"cannot read file: {exc.strerror}")]) from exc
    return parse_guide(data, path.name, expected_id=path.stem)


def guide_files(directory: Path) -> list[Path]:
    """The tip files of a guides directory, in a stable order."""
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def load_guides(directory: Path) -> LoadResult:
    """Load every ``*.yaml`` in ``directory``; a bad file is reported and the others still load."""
    if not directory.is_dir():
        raise GuidesNotFound(f"guides directory not found: {directory} (use --guides DIR or AUTHBOT_GUIDES_DIR)")
    brands: list[Brand] = []
    errors: list[GuideError] = []
    with paused_gc():
        for path in guide_files(directory):
            try:
                brands.append(load_guide(path))
            except GuideInvalid as exc:
                errors.extend(exc.errors)
    return LoadResult(tuple(brands), tuple(errors))


# --- parsing -------------------------------------------------------------------------------


def _decode(data: bytes, filename: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise GuideInvalid(
            [GuideError(filename, line, "", f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")]
        ) from exc
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise GuideInvalid([GuideError(filename, line, "", "contains a NUL character; is this a binary file?")])
    return text


def _compose(text: str, filename: str) -> yaml.Node:
    """Parse to a node tree only: no Python objects are built, so no tag can run code."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "invalid YAML"
        raise GuideInvalid([GuideError(filename, line, "", f"YAML syntax error: {problem}")]) from exc
    except yaml.YAMLError as exc:
        raise GuideInvalid([GuideError(filename, 1, "", f"YAML error: {exc}")]) from exc
    if root is None:
        raise GuideInvalid([GuideError(filename, 1, "", "file is empty")])
    return root


# --- schema walking ------------------------------------------------------------------------

_TOP_KEYS = {"schema", "brand", "tips"}
_BRAND_KEYS = {"id", "name", "aliases", "category", "official"}
_OFFICIAL_KEYS = {"verify_url", "hotline", "note"}
_TIP_KEYS = {"id", "title", "questions", "keywords", "answer", "answer_en", "related", "images"}


class _Entry(NamedTuple):
    """One mapping entry: the key's node (for 'unknown key' lines) and the value's node."""

    key: yaml.Node
    value: yaml.Node


class _Fields(dict[str, _Entry]):
    """The entries of one YAML mapping, remembering the mapping node for 'is required' errors."""

    def __init__(self, node: yaml.Node):
        super().__init__()
        self.node = node


class _Checker:
    """Walks a composed YAML tree against the schema, collecting :class:`GuideError`s."""

    def __init__(self, filename: str):
        self.filename = filename
        self.errors: list[GuideError] = []
        self._seen: set[int] = set()

    def error(self, node: yaml.Node | None, path: str, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.errors.append(GuideError(self.filename, line, path, message))

    def _visit(self, node: yaml.Node, path: str) -> bool:
        """False (and an error) when a node is reached twice: that is a YAML alias."""
        if id(node) in self._seen:
            self.error(node, path, "YAML anchors and aliases (&name / *name) are not allowed")
            return False
        self._seen.add(id(node))
        return True

    def mapping(self, node: yaml.Node | None, path: str, allowed: set[str]) -> _Fields | None:
        if node is None or not self._visit(node, path):
            return None
        if not isinstance(node, yaml.MappingNode):
            self.error(node, path or "(document)", "must be a mapping of keys to values")
            return None
        out = _Fields(node)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                self.error(key_node, path, "keys must be plain names (no merge keys or complex keys)")
                continue
            key = str(key_node.value)
            where = f"{path}.{key}" if path else key
            if key not in allowed:
                self.error(key_node, where, f"unknown key (allowed: {', '.join(sorted(allowed))})")
            elif key in out:
                self.error(key_node, where, "duplicate key")
            else:
                out[key] = _Entry(key_node, value_node)
        return out

    def string(
        self, fields: _Fields, key: str, path: str, *, required: bool, one_line: bool = False, limit: int | None = None
    ) -> str | None:
        entry = fields.get(key)
        if entry is None:
            if required:
                self.error(fields.node, path, "is required")
            return None
        key_node, node = entry
        value = self._scalar(node, path)
        if value is None:
            if required:
                self.error(node if node.tag != _NULL_TAG else key_node, path, "must be a non-empty string")
            return None
        if one_line and "\n" in value:
            self.error(node, path, "must be a single line")
        if limit is not None and len(value) > limit:
            self.error(node, path, f"is {len(value)} characters; the limit is {limit}")
        return value

    def _scalar(self, node: yaml.Node, path: str) -> str | None:
        if not self._visit(node, path):
            return None
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG:
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _STR_TAGS:
            self.error(node, path, "must be a string")
            return None
        value = str(node.value).strip()
        return value or None

    def string_list(
        self, fields: _Fields, key: str, path: str, *, required: bool, check: Callable[[str], str | None] | None = None
    ) -> tuple[str, ...]:
        entry = fields.get(key)
        if entry is None:
            if required:
                self.error(fields.node, path, "must be a non-empty list")
            return ()
        key_node, node = entry
        if not self._visit(node, path):
            return ()
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG:
            items: list[yaml.Node] = []
        elif not isinstance(node, yaml.SequenceNode):
            self.error(node, path, "must be a list" + (" (write [a, b] or one '- item' per line)" if required else ""))
            return ()
        else:
            items = node.value
        values: list[str] = []
        for i, item in enumerate(items):
            value = self._scalar(item, f"{path}[{i}]")
            if value is None:
                self.error(item, f"{path}[{i}]", "must be a non-empty string")
                continue
            problem = check(value) if check else None
            if problem:
                self.error(item, f"{path}[{i}]", problem)
            values.append(value)
        if required and not values:
            self.error(node if items else key_node, path, "must be a non-empty list")
        return tuple(values)

    # -- the document --------------------------------------------------------------------

    def brand_file(self, root: yaml.Node, expected_id: str | None) -> Brand | None:
        top = self.mapping(root, "", _TOP_KEYS)
        if top is None:
            return None
        self._schema_version(top.get("schema"))
        brand_fields = self._brand(top.get("brand"), expected_id, root)
        tips = self._tips(top.get("tips"), root)
        if brand_fields is None or self.errors:
            return None
        return Brand(tips=tips, **brand_fields)

    def _schema_version(self, entry: _Entry | None) -> None:
        if entry is None:
            self.error(None, "schema", f"is required (write 'schema: {SCHEMA_VERSION}' on the first line)")
            return
        node = entry[1]
        if not (
            isinstance(node, yaml.ScalarNode)
            and node.tag == "tag:yaml.org,2002:int"
            and node.value.strip() == str(SCHEMA_VERSION)
        ):
            self.error(node, "schema", f"must be {SCHEMA_VERSION} (the only version that exists)")

    def _brand(self, entry: _Entry | None, expected_id: str | None, root: yaml.Node) -> dict[str, Any] | None:
        if entry is None:
            self.error(root, "brand", "is required")
            return None
        fields = self.mapping(entry.value, "brand", _BRAND_KEYS)
        if fields is None:
            return None
        fields.node = entry.key  # "is required" points at the 'brand:' line
        brand_id = self._id(fields, "brand.id")
        if brand_id and expected_id is not None and brand_id != expected_id:
            self.error(
                fields["id"][1],
                "brand.id",
                f"'{brand_id}' must equal the file name's stem '{expected_id}' (rename the file to {brand_id}.yaml)",
            )
        name = self.string(fields, "name", "brand.name", required=True, one_line=True, limit=100)
        aliases = self.string_list(fields, "aliases", "brand.aliases", required=True, check=_one_line)
        category = self.string(fields, "category", "brand.category", required=True, one_line=True, limit=50)
        official = self._official(fields.get("official"))
        if brand_id is None or name is None or category is None:
            return None
        return {"id": brand_id, "name": name, "aliases": aliases, "category": category, "official": official}

    def _official(self, entry: _Entry | None) -> Official:
        if entry is None:
            return Official()
        fields = self.mapping(entry.value, "brand.official", _OFFICIAL_KEYS)
        if fields is None:
            return Official()
        fields.node = entry.key
        url = self.string(fields, "verify_url", "brand.official.verify_url", required=False, one_line=True)
        if url and not _URL_PATTERN.match(url):
            self.error(fields["verify_url"][1], "brand.official.verify_url", "must be an http(s):// URL")
        return Official(
            verify_url=url,
            hotline=self.string(fields, "hotline", "brand.official.hotline", required=False, one_line=True, limit=50),
            note=self.string(fields, "note", "brand.official.note", required=False, limit=500),
        )

    def _id(self, fields: _Fields, path: str) -> str | None:
        value = self.string(fields, "id", path, required=True)
        if value is not None and not ID_PATTERN.match(value):
            self.error(
                fields["id"][1], path, f"'{value}' must be 2-40 characters of a-z, 0-9 and '-', starting with a letter or digit"
            )
            return None
        return value

    def _tips(self, entry: _Entry | None, root: yaml.Node) -> tuple[Tip, ...]:
        if entry is None:
            self.error(root, "tips", "is required (a list with at least one tip)")
            return ()
        key_node, node = entry
        if not self._visit(node, "tips"):
            return ()
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error(node if isinstance(node, yaml.SequenceNode) else key_node, "tips", "must be a non-empty list")
            return ()
        if len(node.value) > MAX_TIPS:
            self.error(node, "tips", f"has {len(node.value)} tips; the limit is {MAX_TIPS}")
            return ()
        tips: list[Tip] = []
        first_line: dict[str, int] = {}
        related_refs: list[tuple[str, tuple[str, ...], yaml.Node, str]] = []
        for i, tip_node in enumerate(node.value):
            path = f"tips[{i}]"
            tip_id, tip, related_node = self._tip(tip_node, path)
            if tip_id is None:
                continue
            if tip_id in first_line:
                self.error(tip_node, f"{path}.id", f"duplicate tip id '{tip_id}' (first used on line {first_line[tip_id]})")
            first_line.setdefault(tip_id, tip_node.start_mark.line + 1)
            if tip is not None:
                tips.append(tip)
                if related_node is not None:
                    related_refs.append((tip_id, tip.related, related_node, f"{path}.related"))
        self._check_related(related_refs, set(first_line))
        return tuple(tips)

    def _tip(self, node: yaml.Node, path: str) -> tuple[str | None, Tip | None, yaml.Node | None]:
        """The tip's id (even when the rest is invalid, for duplicate checks), the tip, its related node."""
        fields = self.mapping(node, path, _TIP_KEYS)
        if fields is None:
            return None, None, None
        tip_id = self._id(fields, f"{path}.id")
        title = self.string(fields, "title", f"{path}.title", required=True, one_line=True, limit=200)
        questions = self.string_list(fields, "questions", f"{path}.questions", required=True)
        keywords = self.string_list(fields, "keywords", f"{path}.keywords", required=False, check=_one_line)
        answer = self.string(fields, "answer", f"{path}.answer", required=True, limit=MAX_ANSWER_CHARS)
        answer_en = self.string(fields, "answer_en", f"{path}.answer_en", required=False, limit=MAX_ANSWER_CHARS)
        related = self.string_list(fields, "related", f"{path}.related", required=False)
        images = self.string_list(fields, "images", f"{path}.images", required=False, check=_image_problem)
        if tip_id is None or title is None or not questions or answer is None:
            return tip_id, None, None
        tip = Tip(tip_id, title, questions, answer, keywords, answer_en, related, images)
        return tip_id, tip, fields["related"].value if "related" in fields else None

    def _check_related(self, refs: Iterable[tuple[str, tuple[str, ...], yaml.Node, str]], ids: set[str]) -> None:
        for tip_id, related, node, path in refs:
            items = node.value if isinstance(node, yaml.SequenceNode) else []
            for i, (ref, item) in enumerate(zip(related, items, strict=False)):
                if ref == tip_id:
                    self.error(item, f"{path}[{i}]", "a tip cannot be related to itself")
                elif ref not in ids:
                    self.error(item, f"{path}[{i}]", f"'{ref}' names no tip in this file")


def _one_line(value: str) -> str | None:
    return "must be a single line" if "\n" in value else None


def _image_problem(value: str) -> str | None:
    if "://" in value:
        return None if _IMAGE_URL_PATTERN.match(value) else "an image URL must start with https://"
    parts = Path(value).parts
    if value.startswith(("/", "\\")) or ".." in parts or not parts:
        return "must be an https URL or a path relative to brand_guides/<brand-id>/ (no '..', no leading '/')"
    return None
