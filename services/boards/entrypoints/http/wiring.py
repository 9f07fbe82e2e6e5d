"""What the routers are built with: a way to open the boards' unit of work and the trust's
localities."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from services.boards.application.local_board import STORY_LIMIT
from services.boards.application.ports import BoardsUnitOfWork
from shared.auth import Principal, current_principal

Caller = Annotated[Principal, Depends(current_principal)]
Limit = Annotated[int, Query(ge=1, le=500, description="How many lines, newest first.")]
DEFAULT_LIMIT = STORY_LIMIT


@dataclass(frozen=True)
class Wiring:
    unit_of_work: Callable[[], AbstractAsyncContextManager[BoardsUnitOfWork]]
    localities: frozenset[str]
