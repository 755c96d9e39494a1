"""Validates API responses against the OpenAPI document kept in the repository."""

from __future__ import annotations

import functools
import json
from typing import Any

from jsonschema import Draft202012Validator

from veriflien.app import openapi_document


@functools.cache
def _doc() -> dict[str, Any]:
    return openapi_document()


def documented_paths() -> set[str]:
    return set(_doc()["paths"])


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    root = dict(schema)
    root["components"] = _doc()["components"]
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_of(name: str) -> Draft202012Validator:
    return validator_for({"$ref": f"#/components/schemas/{name}"})


def validate_response(method: str, path: str, status: int, content_type: str, body: str) -> Any:
    """Fail if the response is not described by the OpenAPI document; return the parsed body."""
    operation = _doc()["paths"][path][method.lower()]
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, not documented"
    content = responses[str(status)].get("content", {})
    assert content_type in content, f"{content_type} not documented for {method} {path} {status}"
    if content_type != "application/json":
        return body
    doc = json.loads(body)
    errors = sorted(validator_for(content[content_type]["schema"]).iter_errors(doc), key=str)
    assert not errors, f"{method} {path} {status}: {errors[0].message} at {list(errors[0].path)}"
    return doc
