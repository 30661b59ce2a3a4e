"""`jobbro occupations normalize --batch FILE` writes one JSON line per title."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.matching.occupations.normalize import TitleNormalizer

pytestmark = pytest.mark.slow


def test_batch_writes_one_json_line_per_title_with_top_100(
    tmp_path: Path, normalizer: TitleNormalizer
) -> None:
    titles = tmp_path / "titles.txt"
    titles.write_text("buschauffør\nsosu-hjælper\n\nlagerarbejder\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["occupations", "normalize", "--batch", str(titles)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [line["query"] for line in lines] == ["buschauffør", "sosu-hjælper", "", "lagerarbejder"]
    assert len(lines[0]["results"]) == 100
    assert set(lines[0]["results"][0]) == {"uri", "label", "score"}
    assert lines[0]["results"][0]["label"] == "buschauffør"
    assert lines[2]["results"] == []


def test_single_title_prints_ranked_lines(normalizer: TitleNormalizer) -> None:
    result = CliRunner().invoke(app, ["occupations", "normalize", "tømrer", "-k", "3"])
    assert result.exit_code == 0, result.output
    assert "tømrer" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 3
