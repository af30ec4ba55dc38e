"""Django's Redis cache backend, keeping one ``redis.Redis`` client per connection pool.

Django's stock ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every
cache call; its constructor fills a table of ~80 response callbacks, about 0.3 ms
per tile request in our profile (benchmarks/README.md, "Tiles"). redis-py clients
are thread-safe over their pool, so one per pool is enough. Used for the ``tiles``
cache alias in production (config/settings/base.py, TILES block).
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    # django-stubs leaves out RedisCacheClient's private members (_client, _get_connection_pool*).
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]  # private, not in the stubs
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # private, not in the stubs
            client = self._clients[index] = self._client(connection_pool=pool)  # type: ignore[attr-defined]  # same
        return client


class TileRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
