"""Plain-language descriptions of thresholds, in English and Chinese."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promokit.rules.threshold import Step, Threshold

_ZH_SCOPE = {"shop": "店铺", "pool": "跨店", "order": "订单"}
_EN_SCOPE = {"shop": " in one shop", "pool": " across shops", "order": " in the order"}


def num(value: object) -> str:
    """A Decimal as a merchant writes it: 300, 12.5, 19.90."""
    dec = Decimal(str(value))
    if dec == dec.to_integral_value():
        return str(int(dec))
    return f"{dec:f}"


def zhe(percent_off: object) -> str:
    """Percent off as 折: 10 -> 9折, 15 -> 8.5折."""
    return num((Decimal(100) - Decimal(str(percent_off))) / 10) + "折"


def _zh_step(step: Step) -> str:
    if step.min_spend is not None:
        reach = f"满{num(step.min_spend)}" if step.min_spend else ""
    else:
        reach = f"满{step.min_qty}件"
    if step.discount is not None:
        return f"{reach}减{num(step.discount)}" if reach else f"立减{num(step.discount)}"
    return f"{reach}打{zhe(step.percent)}" if reach else f"享{zhe(step.percent)}"


def _en_step(step: Step) -> str:
    gain = (f"save {num(step.discount)}" if step.discount is not None
            else f"get {num(step.percent)}% off")
    if step.min_spend is not None and not step.min_spend:
        return gain
    reach = (f"spend {num(step.min_spend)}" if step.min_spend is not None
             else f"buy {step.min_qty} items")
    return f"{reach}, {gain}"


def describe_threshold(rule: Threshold, lang: str) -> str:
    """One sentence for a threshold rule."""
    if lang == "zh":
        scope = _ZH_SCOPE[rule.scope]
        if rule.every is not None or rule.every_qty is not None:
            reach = (f"每满{num(rule.every)}" if rule.every is not None
                     else f"每满{rule.every_qty}件")
            cap = "上不封顶" if rule.max_off is None else f"最高减{num(rule.max_off)}"
            return f"{scope}{reach}减{num(rule.discount)}，{cap}"
        text = "，".join(_zh_step(s) for s in rule.steps())
        cap = f"（最高减{num(rule.max_off)}）" if rule.max_off is not None else ""
        return f"{scope}{text}{cap}"
    scope = _EN_SCOPE[rule.scope]
    if rule.every is not None or rule.every_qty is not None:
        reach = (f"every {num(rule.every)} spent" if rule.every is not None
                 else f"every {rule.every_qty} items bought")
        cap = "no cap" if rule.max_off is None else f"up to {num(rule.max_off)} in all"
        return f"{reach}{scope} saves {num(rule.discount)}, {cap}"
    text = "; ".join(_en_step(s) for s in rule.steps())
    cap = f" (at most {num(rule.max_off)})" if rule.max_off is not None else ""
    return f"{text}{scope}{cap}"
