"""The codec server for the Temporal Web UI (and `temporal --codec-endpoint`): POST /codec/encode, /codec/decode.

The Temporal codec-server protocol: the body is a `Payloads` message as protobuf JSON
(`{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`), the answer the same
with every payload encoded or decoded by the engine's payload codec (service/payload_codec.py, keys
from PAYLOAD_ENCRYPTION_KEYS or the key file; with PAYLOAD_ENCRYPTION=off, payloads come back as they
are). Bad JSON, or a payload that cannot be decrypted, is 400 with `{"error": ...}`.

Reading payloads is reading personal data: a token with the `read` permission is required, as a
bearer token (`Authorization: Bearer ...`, what `temporal --codec-auth` sends) or the dashboard's
login cookie (what the Web UI sends with "Include cross-origin credentials" on). Browsers call it
cross-origin from the Web UI: CORS answers (preflight included, credentials allowed) for the origins
in CODEC_CORS_ORIGINS (comma-separated, default http://localhost:8233, the dev server's Web UI).

A separate app mounted at /codec, so that its refusals are JSON (401/403, never the login redirect
the dashboard's pages get) and carry the CORS headers the browser needs to show them.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from google.protobuf import json_format
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.api.common.v1 import Payload, Payloads

from service.payload_codec import EncryptionCodec, PayloadDecryptionError, payload_codec
from web.auth import Tokens, require
from web.throttle import Throttle
from web.tokens import Caller, Permission

DEFAULT_WEB_UI_ORIGIN = "http://localhost:8233"
log = structlog.get_logger("web.codec")
Reader = Annotated[Caller, Depends(require(Permission.READ))]


class CodecSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    codec_cors_origins: str = Field(default=DEFAULT_WEB_UI_ORIGIN)
    """The Web UI origins allowed to call the codec endpoints from a browser, comma-separated."""

    def origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.codec_cors_origins.split(",") if origin.strip()]


def codec_app(tokens: Tokens, throttle: Throttle) -> FastAPI:
    """The codec endpoints, checking tokens against the web service's own tokens file (and its throttle)."""
    codec = payload_codec()
    app = FastAPI(title="Payload codec", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.tokens, app.state.throttle = tokens, throttle
    app.add_middleware(
        CORSMiddleware,
        allow_origins=CodecSettings().origins(),
        allow_credentials=True,
        allow_methods=["POST"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
        max_age=600,
    )
    app.add_exception_handler(HTTPException, _refused)  # type: ignore[arg-type]

    @app.post("/encode")
    async def encode(request: Request, caller: Reader) -> Response:
        return await _convert(request, caller, codec, "encode")

    @app.post("/decode")
    async def decode(request: Request, caller: Reader) -> Response:
        return await _convert(request, caller, codec, "decode")

    return app


async def _convert(request: Request, caller: Caller, codec: EncryptionCodec | None, direction: str) -> Response:
    try:
        payloads = json_format.Parse(await request.body(), Payloads()).payloads
    except (json_format.ParseError, UnicodeDecodeError) as err:
        return JSONResponse({"error": f"expected Payloads as protobuf JSON: {err}"}, status_code=400)
    converted: list[Payload] = list(payloads)
    if codec is not None:
        try:
            converted = await (codec.encode(payloads) if direction == "encode" else codec.decode(payloads))
        except PayloadDecryptionError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
    log.info(
        f"codec.{direction}d", by=caller.name, payloads=len(converted), namespace=request.headers.get("x-namespace")
    )
    return JSONResponse(json_format.MessageToDict(Payloads(payloads=converted)))


async def _refused(request: Request, err: HTTPException) -> Response:
    return JSONResponse({"error": err.detail}, status_code=err.status_code, headers=err.headers)
