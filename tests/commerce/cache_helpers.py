"""The shared cache as the stamped caches see it, watched by a test."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache


class CountingCache:
    """The shared cache, recording each call that reads stamps (the stamp keys it read)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.stamp_reads: list[list[str]] = []

    @classmethod
    def installed(cls, monkeypatch: Any) -> CountingCache:
        """One in place of the cache `commerce.stamped_cache` uses, for the test."""
        counting = cls(cache)
        monkeypatch.setattr("commerce.stamped_cache.cache", counting)
        return counting

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.real, name)
        if name not in ("get", "get_many"):
            return method

        def counted(keys: Any, *args: Any, **kwargs: Any) -> Any:
            named = [keys] if isinstance(keys, str) else list(keys)
            stamps = [key for key in named if key.startswith("commerce:stamp:")]
            if stamps:
                self.stamp_reads.append(stamps)
            return method(keys, *args, **kwargs)

        return counted
