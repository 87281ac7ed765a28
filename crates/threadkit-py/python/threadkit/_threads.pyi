"""Type stubs of ``threadkit._threads`` (``threadkit.Thread`` and ``threadkit.Timer``),
checked by ``python -m mypy.stubtest``."""

import threading
from typing import Any, Callable, Iterable, Mapping, Optional

from ._threadkit import Event, ThreadState

__all__ = ["Thread", "Timer"]

class Thread(threading.Thread):
    def start(self) -> None: ...
    def join(self, timeout: Optional[float] = None) -> None: ...
    def is_alive(self) -> bool: ...
    @property
    def state(self) -> ThreadState: ...

class Timer(Thread):
    args: Iterable[Any]
    finished: Event
    function: Callable[..., Any]
    interval: float
    kwargs: Mapping[str, Any]
    def __init__(
        self,
        interval: float,
        function: Callable[..., object],
        args: Optional[Iterable[Any]] = None,
        kwargs: Optional[Mapping[str, Any]] = None,
    ) -> None: ...
    def cancel(self) -> None: ...
    def run(self) -> None: ...
