"""Work on threads of their own, for the tests of concurrent writes on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def started(work: Callable[[], Any]) -> Callable[[], Any]:
    """Start `work` on a thread of its own (so, its own database connection, closed at the
    end). The function returned waits for it, then gives what it returned or raises what it
    raised, in the test's thread."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as error:  # given back to the caller below
            outcome.append((False, error))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()

    def result() -> Any:
        thread.join()
        [(done, value)] = outcome
        if not done:
            raise value
        return value

    return result
