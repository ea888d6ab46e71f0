"""The custody router's bodies: copies, translations, derivatives, destruction and return."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gsomia.api.models.base import Body, Id, Marking, Name
from gsomia.node.control import copies, disposal


class CopyRequest(Body):
    count: int = Field(default=1, ge=1, le=copies.MAX_COPIES)


class TranslationRequest(Body):
    translator: Name
    language: str = Field(min_length=1, max_length=16)
    source_language: str = Field(min_length=1, max_length=16)
    content: str = Field(max_length=copies.MAX_TEXT)


class DerivativeRequest(Body):
    sources: list[Id] = Field(min_length=1, max_length=copies.MAX_COPIES)
    kind: Literal["extract", "summary", "compilation"]
    title: str = Field(min_length=1, max_length=300)
    content: str = Field(max_length=copies.MAX_TEXT)
    #: A marking of this node's scheme at or above the sources' highest; theirs when omitted.
    level: Marking | None = None


class DestroyRequest(Body):
    method: str = Field(min_length=1, max_length=100)
    officials: list[Name] = Field(min_length=1, max_length=disposal.MAX_NAMES)
    witnesses: list[Name] = Field(default_factory=list, max_length=disposal.MAX_NAMES)
    dispose_dependants: bool = False


class ReturnRequest(Body):
    dispose_dependants: bool = False
