"""Fixtures of the contact-process tests."""

from collections.abc import Iterator
from typing import Any

import pytest

from services.contact.beskedmodul import set_beskedmodul
from tests.contact.helpers import Case, case


class RecordingBeskedmodul:
    """A beskedmodul that remembers what it got and can be made to fail a few times."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail_next = 0

    def send(self, *, key: Any, kind: str, sender: str, recipient: str, payload: Any) -> str:
        from services.contact.beskedmodul import BeskedmodulUnavailable

        if self.fail_next:
            self.fail_next -= 1
            raise BeskedmodulUnavailable("channel down")
        self.sent.append({"key": key, "kind": kind, "recipient": recipient, "payload": payload})
        return f"bm-{key}"


@pytest.fixture
def channel() -> Iterator[RecordingBeskedmodul]:
    fake = RecordingBeskedmodul()
    set_beskedmodul(fake)
    yield fake
    set_beskedmodul(None)


@pytest.fixture
def c(database: str) -> Case:
    return case()
