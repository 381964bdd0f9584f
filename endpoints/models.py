"""Base classes for declared bodies, query strings and answers, and the PATCH form of a body."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, create_model

from endpoints.fields import absent


class Body(BaseModel):
    """A request body or query string: a field it does not declare is refused, so a typo never becomes a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def given(self) -> dict:
        """The fields the client sent (a PATCH changes only these), parsed."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class Answer(BaseModel):
    """A response body, declared for the document (and checked against the real answers by the API fuzz tests)."""

    model_config = ConfigDict(extra="allow")


def patch_of(body: type[Body], name: str, doc: str) -> type[Body]:
    """The same fields, all optional and without defaults: a PATCH changes only what it sends."""
    fields = {field: (_annotation(info), absent(description=info.description, alias=info.alias))
              for field, info in body.model_fields.items()}
    return create_model(name, __base__=Body, __doc__=doc, **fields)


def _annotation(info):
    # pydantic keeps an Annotated type's validators apart from its base type; put them back together.
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
