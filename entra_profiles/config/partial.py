"""Partial profiles: what is written under `defaults`, `templates` and `profiles` before inheritance.

Every field is optional (a value may come from defaults or an ancestor); types, formats and unknown
keys are still checked where they are written. The JSON Schema describes the file with these.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Union

from pydantic import Field, create_model
from pydantic.fields import FieldInfo

from entra_profiles.config.fields import Name
from entra_profiles.config.models import (
    CREDENTIAL_TYPES,
    CustomCloud,
    Expect,
    KeyVaultCredential,
    Model,
    Profile,
)


def _partial(model: type[Model], name: str, replace: dict[str, Any] | None = None) -> type[Model]:
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        new = copy.copy(info)
        annotation = (replace or {}).get(field_name, info.annotation)
        if field_name != "type":
            new.default = None
            new.default_factory = None
            if new.metadata:  # the field's own checks apply to a value, not to the null that stands for none
                annotation = Annotated[(annotation, *new.metadata)]
                new.metadata = []
            annotation = Union[annotation, None]  # noqa: UP007 - a runtime type, not an annotation
        fields[field_name] = (annotation, new)
    partial: type[Model] = create_model(name, __base__=Model, __doc__=model.__doc__, **fields)
    return partial


PARTIAL_CREDENTIALS = tuple(_partial(m, f"Partial{m.__name__}") for m in CREDENTIAL_TYPES.values())
PartialCredential = Annotated[Union[PARTIAL_CREDENTIALS], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007

PartialProfile = _partial(Profile, "PartialProfile", {"credential": PartialCredential})


class WrittenFile(Model):
    """An entra-profiles file, version 1."""

    version: Annotated[int, FieldInfo(description="Always 1.")]
    keyvault_credential: KeyVaultCredential | None = None
    defaults: PartialProfile | None = None  # type: ignore[valid-type]
    templates: dict[Name, PartialProfile] = {}  # type: ignore[valid-type]
    clouds: dict[Name, CustomCloud] = {}
    groups: dict[Name, list[str]] = {}
    profiles: dict[Name, PartialProfile] = {}  # type: ignore[valid-type]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the file format (what editors use to complete and check it)."""
    schema = WrittenFile.model_json_schema()
    schema["properties"]["version"] = {"const": 1, "description": "Always 1.", "title": "Version"}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://entra-profiles.dev/schemas/profiles.schema.json"
    schema["title"] = "entra-profiles file"
    return schema


__all__ = ["CustomCloud", "Expect", "PartialProfile", "WrittenFile", "json_schema"]
