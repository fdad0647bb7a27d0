"""Text with ``{placeholders}`` a store writes (canned replies, review outcome messages):
checked when it is saved, filled when it is used. The values are text already written as they
should read, so a placeholder takes no format or conversion."""

import string


class _Blank(dict):
    def __missing__(self, key):
        return ""


def placeholder_errors(body: str, allowed) -> list[str]:
    """Why ``body`` cannot be filled in: a placeholder not among ``allowed``, or one with a
    format (``{amount:.2f}``) or conversion (``{order!r}``), or a lone brace."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(body)
                  if name is not None]  # fmt: skip
    except ValueError as exc:
        return [f"{exc} (write {{{{ and }}}} for a brace)"]
    errors = [f"unknown placeholder {{{name}}}" for name, _, _ in fields if name not in allowed]
    errors += [f"write {{{name}}} without a format or conversion" for name, spec, conversion in fields
               if name in allowed and (spec or conversion)]  # fmt: skip
    return errors


def placeholders_fill(body: str, values: dict) -> str:
    """``body`` with each placeholder replaced by its value ("" when there is none). Only for a
    body ``placeholder_errors`` found nothing wrong with."""
    return string.Formatter().vformat(body, (), _Blank({k: str(v) for k, v in values.items()})).strip()
