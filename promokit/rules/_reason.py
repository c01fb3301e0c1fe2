"""Reason codes: why a rule or a coupon did not apply (one enum, named everywhere a reason is)."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a rule did not apply (documented in docs/campaign-format.md)."""

    BELOW_THRESHOLD = "below_threshold"      # eligible spend under the lowest step
    BELOW_QUANTITY = "below_quantity"        # eligible units under the lowest step
    NOT_ENOUGH_UNITS = "not_enough_units"    # multibuy / bundle: too few units for one application
    NO_SAVING = "no_saving"                  # the promotion price is not lower than the price
    NOTHING_LEFT = "nothing_left"            # every eligible line is already at zero
    NOT_STARTED = "not_started"              # evaluation time before the rule's window
    ENDED = "ended"                          # evaluation time after the rule's window
    EXCLUDED = "excluded"                    # another rule of its exclusive group applied
    OFF_SCHEDULE = "off_schedule"            # outside its recurring schedule (member day)
    TIER_NOT_ELIGIBLE = "tier_not_eligible"  # the customer's tier may not use it
    CUSTOMER_NOT_ELIGIBLE = "customer_not_eligible"  # the customer lacks a required tag
    NOT_FIRST_ORDER = "not_first_order"      # first orders only; the customer has ordered before
    TOO_FEW_ORDERS = "too_few_orders"        # fewer earlier orders than min_orders (or none)
    TOO_MANY_ORDERS = "too_many_orders"      # more earlier orders than max_orders
    BELOW_PAST_SPEND = "below_past_spend"    # spent less before than min_past_spend
    HISTORY_UNKNOWN = "history_unknown"      # a history gate, and the cart lacks the fact
    BALANCE_WINDOW_MISSED = "balance_window_missed"  # pre-sale balance paid outside its window
    INCOMPATIBLE = "incompatible"            # a coupon that does not combine with one applied
    KIND_LIMIT = "kind_limit"                # over the per-kind coupon limit
    NOT_ACCEPTED = "not_accepted"            # a coupon kind the campaign does not accept
    NO_ELIGIBLE_LINES = "no_eligible_lines"  # a coupon matching nothing in the cart (wrong shop)
    EXPIRED = "expired"                      # a coupon past its end
    COUPON_LIMIT = "coupon_limit"            # over the campaign's max_coupons per order
    NOT_ISSUED = "not_issued"                # with a ledger: a coupon it never issued (or used)
    LIMIT_REACHED = "limit_reached"          # its uses, units or budget are spent (the ledger)
    OVERFLOW = "overflow"                    # best_single dropped it: a combination over the price
    NOT_CHOSEN = "not_chosen"                # best mode: a combination without it pays less
