"""The one error this package adds under :class:`~promokit.PromokitError`."""

from __future__ import annotations

from promokit._errors import PromokitError


class ExplainError(PromokitError, ValueError):
    """An explanation or rule page cannot be rendered: unknown language, format or template.

    ``template`` names the template at fault when there is one.
    """

    def __init__(self, message: str, template: str | None = None) -> None:
        self.template = template
        super().__init__(f"template {template!r}: {message}" if template else message)
