"""Type stubs of ``threadkit._executor`` (``threadkit.Future`` and
``threadkit.ThreadPoolExecutor``), checked by ``python -m mypy.stubtest``."""

from concurrent import futures as _futures
from concurrent.futures.thread import BrokenThreadPool as BrokenThreadPool
from typing import Callable, Optional, Tuple, TypeVar, overload

from typing_extensions import ParamSpec, TypeVarTuple, Unpack

__all__ = ["Future", "ThreadPoolExecutor", "BrokenThreadPool"]

_T = TypeVar("_T")
_P = ParamSpec("_P")
_Ts = TypeVarTuple("_Ts")

class Future(_futures.Future[_T]):
    def __init__(self) -> None: ...
    def result(self, timeout: Optional[float] = None) -> _T: ...
    def exception(self, timeout: Optional[float] = None) -> Optional[BaseException]: ...
    def __del__(self) -> None: ...

class ThreadPoolExecutor(_futures.Executor):
    @overload
    def __init__(
        self,
        max_workers: Optional[int] = None,
        thread_name_prefix: str = "",
        initializer: Optional[Callable[[], object]] = None,
        initargs: Tuple[()] = (),
    ) -> None: ...
    @overload
    def __init__(
        self,
        max_workers: Optional[int] = None,
        thread_name_prefix: str = "",
        *,
        initializer: Callable[[Unpack[_Ts]], object],
        initargs: Tuple[Unpack[_Ts]],
    ) -> None: ...
    @overload
    def __init__(
        self,
        max_workers: Optional[int],
        thread_name_prefix: str,
        initializer: Callable[[Unpack[_Ts]], object],
        initargs: Tuple[Unpack[_Ts]],
    ) -> None: ...
    def submit(
        self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> Future[_T]: ...
    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...
