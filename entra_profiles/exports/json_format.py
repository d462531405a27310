"""`--format json`: one JSON object, variable name → value, in order.

For programs rather than shells: `jq -r 'to_entries[] | "\\(.key)=\\(.value)"'`, a deployment
script, a secret store's import. Non-ASCII text is written as UTF-8, not escaped. Which values are
secret is listed under no key of the object itself (that would shadow a variable): use a
`--template` when a consumer needs to know.

Stale variables are not mentioned: a JSON consumer sets what it is given.
"""

from __future__ import annotations

import json

from entra_profiles.exports.base import FormatOptions, Output, Variable
from entra_profiles.safetext import json_text


def render(variables: list[Variable], options: FormatOptions) -> Output:
    """`{"NAME": "value", ...}` with two-space indentation and a final newline."""
    return Output(stdout=json_text({v.name: v.value for v in variables}, ensure_ascii=False) + "\n")


def parse(text: str) -> dict[str, str]:
    """Read the object back (the inverse of `render`), checking every value is a string."""
    data = json.loads(text)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError("not an object of strings")
    return {str(k): str(v) for k, v in data.items()}


__all__ = ["parse", "render"]
