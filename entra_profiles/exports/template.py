"""`--template FILE.j2`: a format of your own, rendered with Jinja2 (undefined names are errors).

The template sees:
- `profile`: the profile's name;
- `vars`: a dict, variable name → value, in order;
- `variables`: a list of objects with `name`, `value`, `secret` (true for secrets);
- `unset`: names the chosen sets own that this profile does not set.
Filters: `sh` (POSIX shell word), `fish`, `pwsh` (PowerShell verbatim string), `json` (a JSON
string). Nothing is escaped unless a filter says so: the output is yours to quote.

Example, a systemd `EnvironmentFile`-style block:

    {% for v in variables %}{{ v.name }}={{ v.value | json }}
    {% endfor %}
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import TracebackType

from entra_profiles.exports import fish, powershell, sh
from entra_profiles.exports.base import ExportError, FormatOptions, Output, Variable

HINT = (
    "the template sees profile, vars, variables (name, value, secret) and unset; "
    "filters: sh, fish, pwsh, json (see docs/export.md)"
)


def render(variables: list[Variable], options: FormatOptions) -> Output:
    """The template's text, rendered with the variables."""
    import jinja2

    assert options.template is not None
    path = options.template
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(path.parent)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(sh=sh.quote, fish=fish.quote, pwsh=powershell.quote, json=json.dumps)
    try:
        text = env.get_template(path.name).render(
            profile=options.profile,
            vars={v.name: v.value for v in variables},
            variables=[{"name": v.name, "value": v.value, "secret": v.secret} for v in variables],
            unset=list(options.unset),
        )
    except jinja2.TemplateSyntaxError as exc:
        raise ExportError(f"{path}:{exc.lineno}: template syntax error: {exc.message}", hint=HINT) from None
    except jinja2.TemplateNotFound:
        raise ExportError(f"template {path} not found") from None
    except Exception as exc:  # anything the template's own expressions raise ({{ 1/0 }}, a bad filter call)
        line = _template_line(exc.__traceback__, path)
        where = f"{path}:{line}" if line else str(path)
        raise ExportError(f"{where}: {type(exc).__name__}: {exc}", hint=HINT) from None
    return Output(stdout=text)


def _template_line(tb: TracebackType | None, path: Path) -> int | None:
    """The template line an error was raised on (Jinja maps its frames to the template file)."""
    line = None
    target = os.path.realpath(path)
    while tb is not None:
        if os.path.realpath(tb.tb_frame.f_code.co_filename) == target:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
