"""Explanations of priced carts and rule pages of campaigns, in English and Chinese.

>>> import promokit, promokit.explain
>>> campaign = promokit.load_campaign("examples/double11/campaign.yaml")
>>> result = campaign.price(promokit.load_cart("examples/double11/cart.json"))
>>> print(promokit.explain.explain(result, campaign, lang="zh"))  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from promokit._campaign import Campaign
from promokit._errors import ExplainError
from promokit._result.types import install_explainer
from promokit.explain._customer_view import customer_view
from promokit.explain._docs_view import docs_view
from promokit.explain._explain_view import explain_view
from promokit.explain._format import check_lang, format_money
from promokit.explain._render import render
from promokit.explain._schedule import describe_schedule

if TYPE_CHECKING:
    from promokit._result.types import PriceResult
    from promokit._spec.campaign import CampaignSpec

Templates = str | os.PathLike[str] | None


def _spec(campaign: Campaign | CampaignSpec | None, result: PriceResult | None = None
          ) -> CampaignSpec | None:
    if campaign is None and result is not None:
        campaign = getattr(result, "spec", None)  # once PriceResult carries its campaign's spec
    return campaign.spec if isinstance(campaign, Campaign) else campaign


def explain(result: PriceResult, campaign: Campaign | CampaignSpec | None = None, *,
            lang: str = "en", fmt: str = "text", templates: Templates = None) -> str:
    """A step-by-step explanation of ``result`` (优惠明细) as ``text``, ``md`` or ``html``.

    Pass the campaign that priced the result for rule names, descriptions and tier perks;
    without it rules are named by id.
    """
    view = explain_view(result, _spec(campaign, result), check_lang(lang))
    return render("explain", fmt, view, templates)


def _explain_result(result: PriceResult, lang: str, fmt: str, templates: str | None) -> str:
    return explain(result, lang=lang, fmt=fmt, templates=templates)


install_explainer(_explain_result)


AUDIENCES = ("customer", "operator")


def rule_docs(campaign: Campaign, *, lang: str = "en", fmt: str = "md",
              templates: Templates = None, examples: bool = True,
              audience: str = "customer") -> str:
    """The rule page of ``campaign`` (``md`` or ``html``) for ``audience``.

    ``"customer"`` is the page a shop publishes (活动规则: 活动时间, 活动对象, each offer in plain
    words, how offers stack, refunds, 常见问题), in the campaign's display names, with no rule
    ids, codes or funding (template ``customer.<fmt>.j2``): the default, as for ``promokit
    docs``. ``"operator"`` is the full view: settings, stages, ids, funding (template
    ``docs.<fmt>.j2``). With ``examples`` (the default) the page has worked examples
    priced by the engine as it is built: for thresholds, a cart just below and one at it; on the
    customer's page each offer is priced on its own, in the campaign's shops and items.
    """
    if audience == "customer":
        return render("customer", fmt, customer_view(campaign, check_lang(lang),
                                                     examples=examples), templates)
    if audience != "operator":
        raise ExplainError(f"unknown audience {audience!r}; expected one of "
                           + ", ".join(AUDIENCES))
    return render("docs", fmt, docs_view(campaign, check_lang(lang), examples=examples),
                  templates)


__all__ = ["AUDIENCES", "ExplainError", "describe_schedule", "explain", "format_money", "rule_docs"]
