"""Output helpers the command modules share."""

import json
import sys
from typing import Any


def echo_json(obj: Any) -> None:
    """One JSON line on stdout, Danish letters kept as they are."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
