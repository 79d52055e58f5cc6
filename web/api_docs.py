"""The API's documentation at /api/docs: a page rendered from the service's own OpenAPI document.

Nothing is loaded from elsewhere (no script, no CDN); it needs a token like the rest of /api, and the
document itself is /api/openapi.json (for tools such as schemathesis).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from web.auth import require
from web.pages import page
from web.tokens import Caller, Permission

router = APIRouter(prefix="/api", default_response_class=HTMLResponse)
Reader = Annotated[Caller, Depends(require(Permission.READ))]
METHODS = ("get", "post", "put", "patch", "delete")


@router.get("/docs", include_in_schema=False)
async def docs(request: Request, caller: Reader) -> Response:
    document = request.app.openapi()
    return page(request, "api_docs.html", caller, endpoints=endpoints(document), version=document["info"]["version"])


def endpoints(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation: method, path, summary, its parameters and its body's fields (name, type, required)."""
    schemas = document.get("components", {}).get("schemas", {})
    found = []
    for path, operations in document["paths"].items():
        for method in METHODS:
            if method not in operations:
                continue
            operation = operations[method]
            parameters = [
                (p["name"], p["in"], _type(p.get("schema", {})), p.get("required", False))
                for p in operation.get("parameters", [])
            ]
            found.append(
                {"method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                 "parameters": parameters, "body": _body(operation, schemas)}
            )  # fmt: skip
    return found


def _body(operation: dict[str, Any], schemas: dict[str, Any]) -> list[tuple[str, str, bool]]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = _resolve(content.get("schema", {}), schemas)
    required = set(schema.get("required", []))
    return [(name, _type(field), name in required) for name, field in schema.get("properties", {}).items()]


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return dict(schemas.get(ref.rsplit("/", 1)[-1], {})) if ref else schema


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_type(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {_type(schema.get('items', {}))}"
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind
