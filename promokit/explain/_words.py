"""Every phrase of the explanations and rule pages, in English and Chinese, side by side.

Each entry is ``key: (english, chinese)`` with ``str.format`` fields; :class:`Words` binds a
language, a currency and a time zone so that view builders write ``w("shop", shop="A")`` and
``w.money(amount)``. Templates receive the labels through ``w.labels()`` and hold no language.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

from promokit._money import Money
from promokit.explain._format import (
    check_lang,
    format_amount,
    format_money,
    format_number,
    format_time,
)

PHRASES: dict[str, tuple[str, str]] = {
    # --- headings and labels (templates) ---
    "explain_title": ("Price explanation", "优惠明细"),
    "docs_title": ("Promotion rules", "活动规则"),
    "priced_at": ("Priced at", "计价时间"),
    "tier": ("Member tier", "会员等级"),
    "phase": ("Phase", "阶段"),
    "colon": (": ", "："),
    "sec_items": ("Items", "商品"),
    "steps": ("Step by step", "逐步优惠"),
    "applied": ("applied", "已享受"),
    "not_applied": ("not applied", "未享受"),
    "nudges": ("Save more", "再买一点更划算"),
    "presale": ("Pre-sale", "预售"),
    "coupons": ("Coupons", "优惠券"),
    "membership": ("Membership and points", "会员与积分"),
    "shops": ("Per shop", "店铺结算"),
    "totals": ("Totals", "合计"),
    "allocated": ("allocated: {v}", "分摊：{v}"),
    "no_promotions": ("No promotion applied to this cart.", "本单没有可用的优惠。"),
    "col_line": ("Line", "行"),
    "col_sku": ("SKU", "商品编码"),
    "col_shop": ("Shop", "店铺"),
    "col_qty": ("Qty", "数量"),
    "col_unit": ("Unit price", "单价"),
    "col_subtotal": ("Subtotal", "小计"),
    "col_discount": ("Discount", "优惠"),
    "col_net": ("Net", "优惠后"),
    "col_due": ("Due now", "本次应付"),
    "col_goods": ("Goods", "商品"),
    "col_shipping": ("Shipping", "运费"),
    "col_pays": ("Pays", "应付"),
    "col_merchant": ("Merchant funds", "商家承担"),
    "col_platform": ("Platform funds", "平台承担"),
    "col_step": ("Step", "步骤"),
    "col_stage": ("Stage", "阶段"),
    "col_rules": ("Rules", "规则"),
    "col_rule": ("Rule", "规则"),
    "col_tier": ("Tier", "等级"),
    "col_rank": ("Rank", "级别"),
    "col_qualify": ("Qualifies at (cumulative spend)", "累计消费门槛"),
    "col_perks": ("Perks", "权益"),
    "col_time": ("Time", "时间"),
    "col_event": ("Event", "事项"),
    "col_kind": ("Coupon", "券种"),
    "col_limit": ("Limit", "限用"),
    "col_base": ("Threshold base", "门槛计算基数"),
    "col_funded": ("Funded by", "出资方"),
    "col_cart": ("Cart", "购物车"),
    "col_case": ("Case", "情形"),
    "col_outcome": ("This rule", "本规则"),
    "col_payable": ("Payable", "实付"),
    "col_group": ("Group", "互斥组"),
    "col_pick": ("Which applies", "生效方式"),
    "col_members": ("Rules", "规则"),
    "col_setting": ("Setting", "设置"),
    "col_value": ("Value", "取值"),
    # --- docs page sections ---
    "docs_intro": ("Generated from the campaign file {file}. Times are {tz} time.",
                   "本页由活动文件 {file} 生成。时间均为 {tz} 时间。"),
    "docs_intro_nofile": ("Generated from the campaign. Times are {tz} time.",
                          "本页由活动配置生成。时间均为 {tz} 时间。"),
    "examples_note": ("The worked examples were computed by the pricing engine with this "
                      "campaign when this page was built.",
                      "页面中的算例均在生成本页时由计价引擎按本活动实际计算得出。"),
    "sec_settings": ("Campaign settings", "活动设置"),
    "sec_stages": ("Order of the stages", "优惠计算顺序"),
    "sec_rules": ("The rules", "规则说明"),
    "sec_groups": ("Rules that never stack", "互斥规则"),
    "sec_tiers": ("Member tiers", "会员等级"),
    "sec_points": ("Points", "积分"),
    "sec_presale": ("Pre-sale timeline", "预售时间线"),
    "sec_coupons": ("Coupons: which combine with which", "优惠券叠加规则"),
    "stages_note": ("Stages apply in this order; within a stage, by priority, then id. A "
                    "threshold is judged on its declared base.",
                    "各阶段按以下顺序计算；同一阶段内按优先级、再按规则编号。门槛按各规则声明的基数计算。"),
    "examples": ("Worked examples:", "算例："),
    "no_example": ("No example: {why}", "无算例：{why}"),
    "coupons_note": ("✓ combine, ✗ do not combine; on the diagonal, how many of one kind.",
                     "✓ 可叠加，✗ 不可叠加；对角线为同类券的限用张数。"),
    "max_coupons": ("At most {n} coupons per order.", "每单最多使用{n}张券。"),
    "presale_limit": ("A deposit may be at most {pct}% of the price.",
                      "定金不得超过售价的{pct}%。"),
    "no_rules": ("This campaign has no rules.", "本活动暂无规则。"),
    # --- the customer's page (audience="customer") ---
    "tz_beijing": ("Beijing time", "北京时间"),
    "tz_named": ("{tz} time", "{tz}时间"),
    "c_period": ("{period} ({zone})", "{period}（{zone}）"),
    "c_zone_note": ("All times are {zone}.", "以上时间均为{zone}。"),
    "c_sec_time": ("Dates", "活动时间"),
    "c_sec_who": ("Who can take part", "活动对象"),
    "c_sec_offers": ("Offers", "活动内容"),
    "c_sec_stacking": ("How offers combine", "优惠叠加规则"),
    "c_sec_presale": ("Pre-sale", "预售说明"),
    "c_sec_tiers": ("Member benefits", "会员权益"),
    "c_sec_points": ("Points", "积分"),
    "c_sec_refund": ("Returns and refunds", "退款说明"),
    "c_sec_faq": ("Questions", "常见问题"),
    "c_examples": ("For example", "算例"),
    "c_pays": ("pays", "实付"),
    "c_ex_line": ("{case}: {cart}: {outcome}; pays {payable}",
                  "{case}：{cart}，{outcome}，实付{payable}"),
    "c_everyone": ("Everyone shopping the participating items.", "所有购买活动商品的消费者。"),
    "c_some": ("Some offers are for members only; each offer says who may use it.",
               "部分优惠仅限会员，适用人群见各项优惠说明。"),
    "c_shops": ("Participating shops: {v}.", "参与店铺：{v}。"),
    "c_examples_note": ("Each example prices its offer on its own, so that you can see what it "
                        "gives; when you order, every offer you qualify for is applied in the "
                        "order below.",
                        "每个算例只计算该项优惠本身，便于看清它的效果；实际下单时，您满足条件的各项优惠会按下方“优惠叠加规则”依次计算。"),
    "c_sel_shops": ("at {v}", "{v}"),
    "c_sel_skus": ("{v}", "{v}"),
    "c_sel_categories": ("{v}", "{v}"),
    "c_sel_brands": ("brand {v}", "{v}品牌商品"),
    "c_sel_tags": ("items marked for this event", "带活动标识的商品"),
    "c_all_items": ("all items", "全部商品"),
    "c_an_item": ("an eligible item", "活动商品"),
    "c_cart_line": ("{where} {what} {price}", "{where} {what} {price}"),
    "c_applies": ("Applies to: {v}", "适用商品：{v}"),
    "c_only": ("For {who} only", "仅限{who}"),
    "c_who_tagged": ("invited customers", "受邀顾客"),
    "c_when": ("When: {v}", "时间：{v}"),
    "c_extra_one": ("{what} {amount}", "{what}{amount}"),
    "c_with_extra": ("{outcome}; also {extra}", "{outcome}；另享{extra}"),
    "c_order": ("Offers are worked out in this order: {steps}.",
                "各项优惠按以下顺序依次计算：{steps}。"),
    "c_arrow": (" → ", " → "),
    "c_base_running": ("A spend threshold counts what you pay after the offers before it (an "
                       "item discount first lowers the amount that counts towards a shop's "
                       "threshold).",
                       "满减门槛按享受前面各项优惠后的金额计算（例如先享受单品折扣，再按折后金额判断是否满足店铺满减）。"),
    "c_base_list": ("A spend threshold counts the items' list prices.",
                    "满减门槛按商品标价计算。"),
    "c_base_stage": ("A spend threshold counts the price after “{stage}”.",
                     "满减门槛按“{stage}”之后的金额计算。"),
    "c_shipping_not_counted": ("Shipping never counts towards a threshold.",
                               "运费不计入任何满减门槛。"),
    "c_overflow_lose": ("An item's price never goes below zero: a discount larger than what is "
                        "left is given only up to it.",
                        "商品价格减至0为止，超出部分不再抵扣，也不会转移到其他商品。"),
    "c_overflow_spill": ("An item's price never goes below zero: the rest of a larger discount "
                         "goes to other items of the offer.",
                         "商品价格减至0为止，超出部分抵扣同一优惠下的其他商品。"),
    "c_overflow_best_single": ("When discounts together would take more off an item than its "
                               "price allows, they are not combined: only the single discount "
                               "that saves most is given.",
                               "多项优惠叠加超过商品可减金额时不再叠加，只享受其中优惠最多的一项。"),
    "c_group_first": ("{v} cannot be combined: the first one that applies is used.",
                      "{v}不可同时享受，按先后顺序只享受其中一项。"),
    "c_group_best": ("{v} cannot be combined: you get the one that saves most.",
                     "{v}不可同时享受，系统自动为您选择优惠最多的一项。"),
    "c_coupon": ("{kind}: {v}.", "{kind}：{v}。"),
    "c_not_with": ("not with {v}", "不可与{v}同时使用"),
    "c_allocation": ("A discount on several items is shared among them in proportion to their "
                     "prices, to the fen; refunds use these shares.",
                     "跨商品的优惠按各商品金额比例分摊到每件商品（精确到分），退款时按分摊后的金额计算。"),
    "c_presale_line": ("{terms}; applies to {where}", "{terms}；适用商品：{where}"),
    "c_tier_line": ("{name} ({qualify}): {perks}", "{name}（{qualify}）：{perks}"),
    "c_qualify": ("from {v} spent in total", "累计消费满{v}"),
    "c_qualify_any": ("every member", "所有会员"),
    "c_points_earn": ("{points} points for every {per} paid.", "每实付{per}得{points}积分。"),
    "c_points_redeem": ("{rate} points are worth {one} when you pay.",
                        "支付时{rate}积分可抵{one}。"),
    "c_refund_allocated": ("A returned item is refunded at what you paid for it, after its "
                           "share of every discount.",
                           "退货退款按该商品分摊优惠后的实付金额退还。"),
    "c_refund_keep": ("The items you keep keep their discounts, even when they no longer reach a "
                      "threshold.",
                      "部分退货后，剩余商品即使不再满足满减门槛，已享受的优惠也不会追回。"),
    "c_refund_deposit": ("A deposit is not refunded when the balance is not paid in its window, "
                         "and the deposit's boost then does not apply.",
                         "未在尾款支付时间内支付尾款的，定金不予退还，定金膨胀也不再生效。"),
    "c_q_stack": ("Can offers be combined?", "各项优惠可以叠加吗？"),
    "c_a_stack": ("Yes, unless this page says otherwise: each offer you qualify for applies, in "
                  "the order under “How offers combine”.",
                  "可以，本页注明不可同时享受的除外：您满足条件的各项优惠会按“优惠叠加规则”中的顺序依次计算。"),
    "c_q_threshold": ("What counts towards a threshold?", "满减门槛怎么计算？"),
    "c_q_refund": ("What happens to my discounts when I return an item?",
                   "退货后优惠怎么处理？"),
    "c_q_deposit": ("Can I get my deposit back?", "定金可以退吗？"),
    "c_q_tier": ("How is my member level decided?", "会员等级怎么确定？"),
    "c_a_tier": ("By your total spend, as the member benefits above show; your level when you "
                 "order decides your benefits.",
                 "按累计消费确定，见上方会员权益；以下单时的会员等级为准。"),
    "c_q_examples": ("Why is my discount different from an example?",
                     "为什么我的优惠和算例不一样？"),
    "c_a_examples": ("Each example shows one offer on its own; your order combines every offer "
                     "you qualify for, and an item's price never goes below zero.",
                     "算例只计算单项优惠；您的订单会叠加所有满足条件的优惠，且商品价格最低减至0。"),
    # --- facts about one rule ---
    "f_id": ("Rule id", "规则编号"),
    "f_kind": ("Kind", "类型"),
    "f_stage": ("Stage", "计算阶段"),
    "f_applies_to": ("Applies to", "适用商品"),
    "f_who": ("Who may use it", "适用人群"),
    "f_valid": ("Valid", "有效期"),
    "f_schedule": ("When", "活动时间"),
    "f_base": ("Threshold judged on", "门槛计算基数"),
    "f_scope": ("Counted", "计算范围"),
    "f_funded": ("Funded by", "出资方"),
    "f_group": ("Never stacks with", "互斥"),
    "f_priority": ("Priority", "优先级"),
    "f_overflow": ("Discount beyond what is left", "超出商品剩余价格的优惠"),
    "f_deposit_window": ("Deposit window", "定金支付时间"),
    "f_balance_window": ("Balance window", "尾款支付时间"),
    "f_limit": ("Limit", "限制"),
    "f_gift": ("Gift (reference value)", "赠品（参考价值）"),
    "f_gift_counts": ("Gift value in later thresholds", "赠品价值计入后续门槛"),
    "f_gift_return": ("Returns without the gift", "退货时的赠品"),
    "f_pledge": ("Pledge (amount → cause, per)", "捐赠（金额 → 对象，计算方式）"),
    "f_valid_days": ("Coupon valid for (days)", "券有效期（天）"),
    "f_presale_limit": ("Pre-sale deposits", "预售定金"),
    # --- values ---
    "everyone": ("everyone", "所有顾客"),
    "all_items": ("all items", "全部商品"),
    "any_time": ("any time", "不限时间"),
    "merchant": ("the merchant", "商家"),
    "platform": ("the platform", "平台"),
    "funded_merchant": ("funded by the merchant", "商家承担"),
    "funded_platform": ("funded by the platform", "平台承担"),
    "scope_shop": ("per shop, each shop on its own", "按店铺分别计算"),
    "gift_counts": ("counts toward every threshold of a later stage, at its reference value",
                    "按参考价值计入之后各阶段的满减门槛"),
    "gift_counts_not": ("counts toward no threshold", "不计入任何门槛"),
    "gift_return_keep": ("the customer keeps the gift; nothing is deducted",
                         "赠品无需退回，退款不扣除"),
    "gift_return_return": ("when the rest no longer earns it, the gift must be returned with "
                           "the items", "剩余商品不再满足条件时，赠品须随商品一并退回"),
    "gift_return_deduct": ("when the rest no longer earns it, its value (less any token price "
                           "paid) is deducted from the refund",
                           "剩余商品不再满足条件时，从退款中扣除赠品价值（扣除已付象征价）"),
    "scope_pool": ("pooled across shops", "跨店合并计算"),
    "scope_order": ("over the whole order", "整单合并计算"),
    "base_running": ("the price after all earlier stages", "前面各阶段优惠后的价格"),
    "base_list": ("the list price", "商品原价"),
    "base_stage": ("the price after stage “{stage}”", "“{stage}”阶段之后的价格"),
    "overflow_lose": ("lost (no line goes below zero)", "不再发放（商品价格不低于0）"),
    "overflow_spill": ("moved to lines with room left", "转给仍有余额的商品"),
    "overflow_best_single": ("the combination is dropped, the best single discount kept",
                             "不再叠加，只保留优惠最多的一项"),
    "rounding": ("Rounding", "舍入方式"),
    "currency": ("Currency", "币种"),
    "timezone": ("Time zone", "时区"),
    "default_base": ("Default threshold base", "默认门槛基数"),
    "rounding_half_up": ("half up", "四舍五入"),
    "rounding_half_even": ("half even", "银行家舍入"),
    "rounding_down": ("down", "舍去"),
    "rounding_up": ("up", "进一"),
    "pick_first": ("the first by priority", "按优先级取第一个"),
    "pick_best": ("the one that saves most", "取优惠最多的一个"),
    "yes": ("✓", "✓"),
    "no": ("✗", "✗"),
    "none": ("—", "—"),
    "unlimited": ("no limit", "不限"),
    "per_order": ("{n} per order", "每单{n}张"),
    "per_shop": ("{n} per shop", "每店{n}张"),
    # --- selections and customers ---
    "sel_skus": ("SKUs {v}", "商品 {v}"),
    "sel_shops": ("shops {v}", "店铺 {v}"),
    "sel_categories": ("categories {v}", "品类 {v}"),
    "sel_brands": ("brands {v}", "品牌 {v}"),
    "sel_tags": ("items tagged {v}", "带标签 {v} 的商品"),
    "sel_except": ("except {v}", "不含{v}"),
    "sel_presale_only": ("pre-sale items only", "仅限预售商品"),
    "sel_no_presale": ("not pre-sale items", "不含预售商品"),
    "who_tiers": ("tiers {v}", "会员等级 {v}"),
    "who_min_tier": ("tier {v} and above", "{v}及以上会员"),
    "who_tags": ("customers tagged {v}", "标签为 {v} 的顾客"),
    "who_first_order": ("a customer's first order", "新用户首单"),
    "who_returning": ("customers who have ordered before", "老顾客（已有下单记录）"),
    "who_min_orders": ("customers with at least {n} earlier orders", "历史订单满{n}单的顾客"),
    "who_max_orders": ("customers with at most {n} earlier orders", "历史订单不超过{n}单的顾客"),
    "who_past_spend": ("customers who have spent at least {v} before",
                       "历史消费满{v}的顾客"),
    "list_sep": (", ", "、"),
    "and_sep": ("; ", "；"),
    "or_word": (" or ", "或"),
    # --- windows ---
    "window_both": ("from {start} until {end}", "{start} 至 {end}"),
    "window_start": ("from {start}", "{start} 起"),
    "window_end": ("until {end}", "截至 {end}"),
    # --- the explanation ---
    "step": ("Step {n}", "第{n}步"),
    "shop": ("shop {shop}", "店铺{shop}"),
    "in_shop": ("in shop {shop}", "店铺{shop}"),
    "applied_sentence": ("{amount} off, computed on {base}{times}; {funded}",
                         "以{base}计，优惠{amount}{times}，{funded}"),
    "applied_benefit": ("no money off: {sentence}; threshold judged on {base}; {funded}",
                        "不减价：{sentence}，门槛按{base}计算，{funded}"),
    "applied_threshold": ("{amount} off, threshold judged on {base}{times}; {funded}",
                          "门槛按{base}计算，优惠{amount}{times}，{funded}"),
    "times": (" (reached {n} times)", "（满足{n}次）"),
    "lost": ("{lost} more was not given: the lines were already at zero",
             "另有{lost}因商品已减至0而未发放"),
    "shipping_off": ("{amount} off the shipping of shop {shop}", "店铺{shop}运费减{amount}"),
    "nudge": ("add {short} more{where} to save {save} with {rule}",
              "{where}再买{short}，可用“{rule}”再省{save}"),
    "nudge_where": (" in shop {shop}", "店铺{shop}"),
    "line_ref": ("{line} ({sku}, shop {shop})", "{line}（{sku}，店铺{shop}）"),
    "line_summary": ("{qty} × {unit} = {subtotal}", "{unit} × {qty} = {subtotal}"),
    "deposit_note": (" (deposit)", "（定金）"),
    "phase_deposit": ("deposit phase: pre-sale items cost their deposit now",
                      "定金阶段：预售商品本次只付定金"),
    "phase_balance": ("balance phase: the deposit already paid counts towards the price",
                      "尾款阶段：已付定金计入商品价格"),
    "presale_deposit": ("{line}: pay a deposit of {deposit} now; it counts as {counts_as} when "
                        "the balance is paid{window}",
                        "{line}：本次付定金{deposit}，付尾款时抵{counts_as}{window}"),
    "presale_balance": ("{line}: price {price}; deposit {deposit} paid, counting as "
                        "{counts_as}{instant}; after all promotions {net}, balance due {due}",
                        "{line}：售价{price}，已付定金{deposit}抵{counts_as}{instant}，"
                        "优惠后{net}，应付尾款{due}"),
    "presale_instant": (", and {cut} off for paying it", "，付定金立减{cut}"),
    "presale_forfeit": ("{line}: balance paid outside its window: the deposit {deposit} is "
                        "forfeit and its boost does not apply; due {due}",
                        "{line}：未在尾款时间内支付，定金{deposit}不予退还且不再膨胀，应付{due}"),
    "balance_window": ("; balance window {window}", "；尾款支付时间{window}"),
    "coupon_used": ("{coupon}: {amount} off", "{coupon}：优惠{amount}"),
    "coupon_unused": ("{coupon}: not used: {reason}", "{coupon}：未使用，{reason}"),
    "tier_line": ("Tier {tier}", "会员等级 {tier}"),
    "tier_perks": ("Tier {tier}: {perks}", "会员等级 {tier}：{perks}"),
    "coupon_label": ("{title} ({sentence})", "{title}（{sentence}）"),
    "line_deposit": ("{qty} × {unit}, deposit {subtotal}", "{unit} × {qty}，定金{subtotal}"),
    "points_used": ("{points} points paid {value}", "使用{points}积分，抵扣{value}"),
    "points_earned": ("{points} points earned (x{multiplier})",
                      "本单获得{points}积分（{multiplier}倍）"),
    "points_none_yet": ("points are earned when the balance is paid", "积分在付尾款时发放"),
    "t_goods": ("Goods", "商品总额"),
    "t_deposits": ("Deposits", "定金合计"),
    "t_discount": ("Discounts", "优惠合计"),
    "t_shipping": ("Shipping", "运费"),
    "t_shipping_off": ("Shipping discounts", "运费减免"),
    "t_total": ("Order total", "订单总价"),
    "t_prepaid": ("Deposit paid", "已付定金"),
    "t_points": ("Paid with points", "积分抵扣"),
    "t_payable": ("Payable", "实付款"),
    "t_payable_deposit": ("Deposit due now", "应付定金"),
    "t_payable_balance": ("Balance due now", "应付尾款"),
    # --- perks ---
    "perk_discount": ("extra {pct}% off ({stage}){presale}", "额外{zhe}（{stage}）{presale}"),
    "perk_discount_presale": ("", ""),
    "perk_discount_no_presale": (", not on pre-sale items", "，预售商品除外"),
    "perk_free_shipping": ("free shipping", "包邮"),
    "perk_multiplier": ("{what} x{factor}", "{what}{factor}倍"),
    "perk_points": ("points x{factor}", "积分{factor}倍"),
    "perk_none": ("—", "—"),
    "mult_presale_boost": ("pre-sale deposit boost", "定金膨胀"),
    "mult_coupon": ("coupon face values", "优惠券面额"),
    "mult_coupon_kind": ("{kind} face values", "{kind}面额"),
    "mult_rule": ("“{rule}”", "“{rule}”"),
    "perk_rule_discount": ("{tier} members: extra {pct}% off", "{tier}会员额外{zhe}"),
    "perk_rule_shipping": ("{tier} members ship free", "{tier}会员包邮"),
    "points_earn": ("{points} point(s) for every {per} paid ({basis}), rounded {rounding}",
                    "每支付{per}得{points}积分（{basis}），{rounding}"),
    "points_basis_goods": ("goods only", "仅计商品"),
    "points_basis_total": ("goods and shipping", "含运费"),
    "points_redeem": ("{rate} points pay {one}", "{rate}积分抵{one}"),
    "points_max_percent": ("at most {pct}% of the amount due", "最多抵扣应付金额的{pct}%"),
    "points_max_points": ("at most {n} points per order", "每单最多使用{n}积分"),
    "points_multiplier_note": ("Tiers multiply the points earned (see the tier table).",
                               "会员等级可获得积分倍数（见会员等级表）。"),
    # --- pre-sale timeline ---
    "ev_deposit_opens": ("deposits open: {rule}", "开始付定金：{rule}"),
    "ev_deposit_closes": ("deposits close: {rule}", "定金支付截止：{rule}"),
    "ev_balance_opens": ("balance payments open: {rule}", "开始付尾款：{rule}"),
    "ev_balance_closes": ("balance payments close: {rule}", "尾款支付截止：{rule}"),
    "presale_terms": ("deposit {deposit} counts as {counts_as}{instant}",
                      "定金{deposit}抵{counts_as}{instant}"),
    "presale_terms_line": ("{terms}. Deposit window: {deposit}; balance window: {balance}.",
                           "{terms}。定金支付时间：{deposit}；尾款支付时间：{balance}。"),
    "presale_example": ("Example, computed: a price of {price} costs {deposit} in the deposit "
                        "phase and {balance} in the balance phase; {total} in all.",
                        "算例（引擎计算）：售价{price}的商品，定金阶段付{deposit}，"
                        "尾款阶段付{balance}，共计{total}。"),
    # --- worked examples ---
    "ex_below": ("just below {what}", "差一点满{what}"),
    "ex_at": ("at {what}", "刚好满{what}"),
    "ex_one": ("one example", "示例"),
    "ex_qty": ("{n} item(s)", "{n}件"),
    "ex_cart": ("{qty} × {unit}", "{unit} × {qty}件"),
    "ex_cart_ship": ("{cart}, shipping {fee}", "{cart}，运费{fee}"),
    "ex_benefit": ("gives {n} (nothing off)", "赠送{n}份（不减价）"),
    "ex_applied": ("saves {amount}", "优惠{amount}"),
    "ex_applied_times": ("saves {amount} ({n} times)", "优惠{amount}（满足{n}次）"),
    "ex_shipping": ("{amount} off shipping", "运费减{amount}"),
    "ex_presale_only": ("it applies to pre-sale items only", "仅适用于预售商品"),
    "ex_no_threshold": ("it has no threshold", "无门槛"),
    # --- coupon descriptions ---
    "coupon_value": ("{kind}: {value} off", "{kind}：立减{value}"),
    "coupon_value_min": ("{kind}: {value} off {min} or more", "{kind}：满{min}减{value}"),
    "coupon_percent": ("{kind}: {pct}% off", "{kind}：{zhe}"),
    "coupon_percent_min": ("{kind}: {pct}% off {min} or more", "{kind}：满{min}享{zhe}"),
    "coupon_cap": (", at most {cap}", "，最高减{cap}"),
}

#: Reason codes (``promokit.Reason``) in words; fields come from the record when it has them.
REASONS: dict[str, tuple[str, str]] = {
    "below_threshold": ("below the threshold: add {short} more to save {save}",
                        "未达门槛：还差{short}，可省{save}"),
    "below_threshold_bare": ("below the threshold", "未达门槛"),
    "below_quantity": ("too few items: add {n} more to save {save}",
                       "件数不足：再买{n}件，可省{save}"),
    "below_quantity_bare": ("too few items", "件数不足"),
    "not_enough_units": ("needs {need} items for one application, has {has}",
                         "需{need}件才能享受，当前{has}件"),
    "not_enough_units_bare": ("not enough items", "件数不足"),
    "no_saving": ("the promotion price is not below the current price", "活动价不低于当前价格"),
    "nothing_left": ("the items are already at zero", "商品已减至0，无可再减"),
    "not_started": ("not started: opens {when}", "活动未开始：{when}开始"),
    "not_started_bare": ("not started yet", "活动未开始"),
    "ended": ("ended {when}", "活动已结束：{when}结束"),
    "ended_bare": ("ended", "活动已结束"),
    "excluded": ("does not stack with “{other}”, which applied instead",
                 "与“{other}”互斥，已按“{other}”计算"),
    "excluded_bare": ("another rule of its group applied instead", "同组互斥规则已生效"),
    "overflow": ("with “{other}” it would take more than the price allows; only “{other}”, "
                 "the best single discount, is given",
                 "与“{other}”叠加将超过商品可减金额，只享受优惠更多的“{other}”"),
    "overflow_bare": ("dropped: combined discounts would exceed the price",
                      "叠加优惠超过商品价格，已取消"),
    "off_schedule": ("not open now ({schedule}); next opens {when}",
                     "当前不在活动时间（{schedule}），下次{when}开始"),
    "off_schedule_never": ("not open now ({schedule}) and does not open again",
                           "当前不在活动时间（{schedule}），此后不再开放"),
    "tier_not_eligible": ("for {allowed} only; this customer is {who}",
                          "仅限{allowed}，当前为{who}"),
    "tier_not_eligible_bare": ("not for this customer's tier", "当前会员等级不可用"),
    "no_tier": ("not a member", "非会员"),
    "customer_not_eligible": ("for {who} only", "仅限{who}"),
    "customer_not_eligible_bare": ("not for this customer", "当前顾客不可用"),
    "not_first_order": ("for {who} only; this customer has ordered before",
                        "仅限{who}，当前顾客已有下单记录"),
    "not_first_order_bare": ("for a first order only", "仅限新用户首单"),
    "too_few_orders": ("for {who} only", "仅限{who}"),
    "too_few_orders_bare": ("this customer has too few earlier orders", "历史订单数不足"),
    "too_many_orders": ("for {who} only", "仅限{who}"),
    "too_many_orders_bare": ("this customer has too many earlier orders", "历史订单数超出"),
    "below_past_spend": ("for {who} only", "仅限{who}"),
    "below_past_spend_bare": ("this customer's past spend is too low", "历史消费未满额"),
    "history_unknown": ("the order history it depends on was not given",
                        "未提供顾客的历史订单信息，无法判断"),
    "balance_window_missed": ("balance paid outside its window ({window}): the deposit is "
                              "forfeit and its boost does not apply",
                              "未在尾款时间（{window}）内支付：定金不退，膨胀不生效"),
    "incompatible": ("does not combine with a coupon already used", "与已使用的券不可叠加"),
    "kind_limit": ("over the limit for its kind", "超出同类券限用张数"),
    "not_accepted": ("this campaign does not accept this kind of coupon", "本活动不支持此类券"),
    "no_eligible_lines": ("no item in the cart can use it", "购物车中没有可用此券的商品"),
    "expired": ("expired", "已过期"),
    "expired_when": ("expired {when}", "已于{when}过期"),
    "coupon_limit": ("over the most coupons an order may use", "超出每单可用券数"),
    "not_chosen": ("not selected", "未选用"),
    "not_chosen_best": ("a combination without it pays no more", "不用此券的组合同样划算"),
    "limit_reached": ("its quantity, per-customer limit or budget is used up",
                      "活动名额、每人限用次数或预算已用完"),
    "not_issued": ("this coupon was not issued to this customer, or is used already",
                   "此券未发放给当前用户或已使用"),
}


class Words:
    """Phrases, money and times for one language, currency and time zone."""

    def __init__(self, lang: str, currency: str, tz: tzinfo | None = None) -> None:
        self.lang = check_lang(lang)
        self.zh = lang == "zh"
        self.currency = currency
        self.tz = tz

    def __call__(self, key: str, **fields: object) -> str:
        """The phrase ``key`` with ``fields`` filled in."""
        en, zh = PHRASES[key]
        return (zh if self.zh else en).format(**fields)

    def reason(self, key: str, **fields: object) -> str:
        """The reason ``key`` in words."""
        en, zh = REASONS[key]
        return (zh if self.zh else en).format(**fields)

    def money(self, money: Money) -> str:
        """Money with its symbol."""
        return format_money(money, self.lang)

    def amount(self, value: Decimal) -> str:
        """A campaign amount (major units) as money."""
        return format_amount(value, self.currency, self.lang)

    def time(self, moment: datetime, *, offset: bool = False) -> str:
        """A time in the campaign's zone."""
        return format_time(moment, self.tz, offset=offset)

    def join(self, items: list[str], sep: str = "list_sep") -> str:
        """Items joined with the language's separator."""
        return self(sep).join(items)

    def percent(self, value: Decimal) -> str:
        """``15`` as ``15``, the English percent."""
        return format_number(value)

    def zhe(self, percent_off: Decimal) -> str:
        """Percent off as 折: 5 -> 9.5折; 100 -> 免费."""
        if percent_off >= 100:
            return "免费"
        return format_number((Decimal(100) - Decimal(percent_off)) / 10) + "折"

    def labels(self) -> dict[str, str]:
        """Every phrase without fields, for templates."""
        i = 1 if self.zh else 0
        return {k: v[i] for k, v in PHRASES.items() if "{" not in v[i]}
