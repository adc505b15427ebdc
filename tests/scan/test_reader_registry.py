"""One reader registry: detection, open_source and the CLI's choices all read it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postcheck.cli import app
from postcheck.shapes import Post
from postcheck.sources import open_archive, open_source, sniff_format
from postcheck.sources.base import Reader, Sniff
from postcheck.sources.registry import FORMATS, READERS, fallback


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_reader_declares_itself(fmt: str) -> None:
    r = READERS[fmt]
    assert r.format == fmt and r.label and r.finds
    assert r.sniff.fallback or r.sniff.shapes or r.sniff.json_keys or r.sniff.csv_columns


def test_exactly_one_reader_takes_posts_no_platform_claims() -> None:
    assert fallback() == "plain"


def test_cli_choices_are_the_registry() -> None:
    out = CliRunner().invoke(app, ["scan", "--help"], terminal_width=200).output
    assert "<" + "|".join(FORMATS) + ">" in out


class ToyReader(Reader):
    """A made-up export: a JSON file with a "toots_v9" list."""

    format = "toy"
    label = "Toy export (JSON)"
    sniff = Sniff(json_keys=(r'"toots_v9"',))

    def posts(self) -> Iterator[Post]:
        for name in self.archive.names():
            yield from self.json_posts(name, ("toots_v9",), lambda item: Post(text=item["t"]))


def test_a_new_reader_is_one_class_and_one_registry_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "export.json").write_text(json.dumps({"toots_v9": [{"t": "hello"}]}))
    monkeypatch.setitem(READERS, "toy", ToyReader)
    with open_archive(tmp_path) as archive:
        assert sniff_format(archive).format == "toy"
    with open_source(tmp_path) as reader:
        assert [p.text for p in reader.posts()] == ["hello"]
