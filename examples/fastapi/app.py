"""An example shop backend: price carts and refund orders through promokit with FastAPI.

Run it (see README.md)::

    PROMOKIT_SIGNING_KEY=$(openssl rand -hex 32) \
        uvicorn --factory app:create_app --app-dir examples/fastapi

The campaign is read once at startup. Every result the server prices goes back with an
HMAC signature in the ``X-Promokit-Signature`` header; a refund needs that signature and the
result as it was returned, and is verified against the key and by pricing the recorded cart
again under the campaign: the client's copy of an order is never trusted.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

import promokit
from promokit.explain import rule_docs
from promokit.refunds import sign

DEFAULT_CAMPAIGN = Path(__file__).resolve().parent.parent / "double11" / "campaign.yaml"
SIGNATURE_HEADER = "X-Promokit-Signature"
Lang = Literal["zh", "en"]


Result = promokit.PriceResult


class RefundRequest(BaseModel):
    """A refund of units of an order this server priced."""

    result: Result = Field(description="the result exactly as POST /price "
                                                     "returned it")
    signature: str = Field(description=f"the {SIGNATURE_HEADER} header POST /price sent "
                                       "with the result")
    returns: dict[str, Annotated[int, Field(ge=1)]] = Field(
        description="units returned per line id", examples=[{"l1": 1}])
    policy: Literal["allocated", "reprice"] = "allocated"
    earlier: list[dict[str, Any]] = Field(
        default_factory=list, description="this order's earlier refunds, in order, each as "
                                          "POST /refund returned it (signed)")


def create_app(campaign_path: str | os.PathLike[str] | None = None,
               key: str | bytes | None = None) -> FastAPI:
    """The app. Settings default to ``PROMOKIT_CAMPAIGN`` and ``PROMOKIT_SIGNING_KEY``."""
    path = Path(campaign_path or os.environ.get("PROMOKIT_CAMPAIGN") or DEFAULT_CAMPAIGN)
    secret = key or os.environ.get("PROMOKIT_SIGNING_KEY")
    if not secret or len(secret.encode() if isinstance(secret, str) else secret) < 16:
        raise RuntimeError("set PROMOKIT_SIGNING_KEY (or pass key=) to a secret of 16+ bytes: "
                           "it signs the results this server returns")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.campaign = promokit.load_campaign(path)  # once; a bad file stops startup
        app.state.rule_pages = {}
        yield

    app = FastAPI(title="promokit example shop", lifespan=lifespan)

    @app.post("/price", response_model=Result)
    def price(cart: promokit.Cart, request: Request, response: Response,
              best_coupons: bool = False) -> promokit.PriceResult:
        """Price a cart under the campaign; the result's signature is in the response header."""
        result = request.app.state.campaign.price(cart, best_coupons=best_coupons)
        response.headers[SIGNATURE_HEADER] = sign(result, secret)["signature"]
        return result

    @app.post("/refund")
    def refund(body: RefundRequest, request: Request) -> dict[str, Any]:
        """Refund returned units; the refund comes back signed, to pass in ``earlier`` next."""
        stored = {**body.result.to_dict(), "signature": body.signature}
        done = promokit.refund(stored, body.returns, policy=body.policy, earlier=body.earlier,
                               campaign=request.app.state.campaign, key=secret)
        return sign(done, secret)

    @app.get("/campaign/rules", response_class=HTMLResponse)
    def rules(request: Request, lang: Annotated[Lang, Query()] = "zh") -> str:
        """The campaign's rule page (活动规则) as HTML, rendered once per language."""
        pages = request.app.state.rule_pages
        if lang not in pages:
            pages[lang] = rule_docs(request.app.state.campaign, lang=lang, fmt="html")
        return str(pages[lang])

    @app.exception_handler(promokit.InputError)
    async def input_error(request: Request, exc: promokit.InputError) -> JSONResponse:
        problems = [{k: _plain(v) for k, v in asdict(p).items() if v is not None}
                    for p in exc.problems]
        return JSONResponse({"error": type(exc).__name__, "problems": problems},
                            status_code=422)

    @app.exception_handler(promokit.CartPricingError)
    async def cart_cannot_be_priced(request: Request, exc: promokit.CartPricingError
                                    ) -> JSONResponse:
        # a stable code and the cart field at fault: what a client can act on
        return JSONResponse({"error": type(exc).__name__, "code": exc.code, "path": exc.path,
                             "message": str(exc)}, status_code=422)

    @app.exception_handler(promokit.PricingError)
    @app.exception_handler(promokit.MoneyError)
    async def cannot_price(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, status_code=422)

    return app


def _plain(value: object) -> object:
    """A problem's value as JSON: as is when it is JSON already, else as text."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value
