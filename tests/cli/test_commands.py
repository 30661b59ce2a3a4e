"""The command tree scripts and docs rely on: every group and command under its name."""

from typer.main import get_command

from services.cli import app

COMMANDS = {
    "serve": None,
    "worker": None,
    "db": {"upgrade", "downgrade"},
    "demo": {"load"},
    "users": {"create", "set-password"},
    "apikeys": {"create"},
    "orders": {"remind-overdue", "close-expired", "overdue"},
    "index": {"rebuild", "reconcile", "status"},
    "cvs": {"import"},
    "eval": {"ranking", "normalize"},
    "occupations": {"normalize", "warm"},
    "model": {"train"},
}


def test_every_group_and_command_keeps_its_name() -> None:
    root = get_command(app)
    found = {
        name: set(sub.commands) if hasattr(sub, "commands") else None
        for name, sub in root.commands.items()
    }
    assert found == COMMANDS
