"""Path parameters shared by the routers: ids fit the database's integer column, so a huge id
is refused as invalid (422), never sent to the database."""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Query

MAX_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
MonthText = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
