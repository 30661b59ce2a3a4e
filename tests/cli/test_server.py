"""`jobbro worker` starts Celery with beat, whose schedule lives in the data dir."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from shared.settings import get_settings
from shared.tasks import celery_app


def test_worker_keeps_the_beat_schedule_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "broker_url", "memory://")
    started: list[list[str]] = []
    monkeypatch.setattr(celery_app, "worker_main", started.append)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["worker", "--concurrency", "1"])
    assert result.exit_code == 0, result.output
    assert started == [["worker", "--concurrency=1", "--loglevel=INFO", "--beat"]]
    schedule = Path(celery_app.conf.beat_schedule_filename)
    assert schedule.parent == settings.data_dir
    assert settings.data_dir.is_dir()


def test_worker_refuses_to_start_without_a_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "broker_url", "")
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 1
    assert "No JOBBRO_BROKER_URL" in result.output
