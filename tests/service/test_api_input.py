"""Issue 2's "must hold" list for the HTTP API: bad input gets a specific 4xx JSON error (never a
500, never a traceback), a text that is not a link gets a truthful `invalid_url` verdict, the
event stream ends with a valid result, and the evidence sheet prints what the check found.

Responses on documented routes go through the `api` fixture, which validates them against the
OpenAPI document; undocumented combinations (GET on a POST route, unknown paths) use `api.raw`.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pytest

from openapi_check import schema_of, validate_response

CHECKS = "/api/v1/checks"
SHEET = "/api/v1/sheet"
JSON = {"Content-Type": "application/json"}


def assert_error(
    status: int, content_type: str, body: str, expected_status: int, code: str
) -> None:
    """A 4xx answer with `{"error": {"code", "message"}}`, the given code, and no traceback."""
    assert status == expected_status, (
        f"expected {expected_status} {code}, got {status}: {body[:300]}"
    )
    assert content_type == "application/json", body
    assert "Traceback" not in body and 'File "' not in body, body
    doc = json.loads(body)
    errors = list(schema_of("Error").iter_errors(doc))
    assert not errors, f"{errors[0].message}: {doc}"
    assert doc["error"]["code"] == code, doc
    assert doc["error"]["message"].strip()


async def raw(api: Any, method: str, path: str, **kwargs: Any) -> tuple[int, str, str]:
    response = await api.raw.request(method, path, **kwargs)
    return response.status, response.content_type, await response.text()


async def post_checks(api: Any, **kwargs: Any) -> tuple[int, str, str]:
    """POST to /api/v1/checks; the answer must also be described by the OpenAPI document."""
    status, ctype, text = await raw(api, "POST", CHECKS, **kwargs)
    assert status != 500, text
    validate_response("POST", CHECKS, status, ctype, text)
    return status, ctype, text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(b"{not json", "invalid_json", id="invalid-json"),
        pytest.param(b"", "invalid_json", id="empty-body"),
        pytest.param(b"\xff\xfe\xfa", "invalid_json", id="not-utf8"),
        pytest.param(b'["https://videos.example.com/ok"]', "invalid_json", id="array"),
        pytest.param(b'"https://videos.example.com/ok"', "invalid_json", id="string"),
        pytest.param(b"null", "invalid_json", id="null"),
        pytest.param(b"{}", "missing_url", id="missing-url"),
        pytest.param(b'{"url": null}', "missing_url", id="null-url"),
        pytest.param(b'{"url": ""}', "empty_url", id="empty-url"),
        pytest.param(b'{"url": "   \\t\\n "}', "empty_url", id="whitespace-url"),
        pytest.param(b'{"url": 42}', "invalid_field", id="url-number"),
        pytest.param(b'{"url": ["https://a.example/"]}', "invalid_field", id="url-list"),
        pytest.param(b'{"url": {"href": "https://a.example/"}}', "invalid_field", id="url-object"),
        pytest.param(b'{"url": true}', "invalid_field", id="url-bool"),
        pytest.param(b'{"url": "hello", "lang": "de"}', "unknown_lang", id="lang-de"),
        pytest.param(b'{"url": "hello", "lang": "FR"}', "unknown_lang", id="lang-upper"),
        pytest.param(b'{"url": "hello", "lang": ["fr"]}', "unknown_lang", id="lang-list"),
        pytest.param(b'{"url": "hello", "country": "FRA"}', "invalid_country", id="country-3"),
        pytest.param(b'{"url": "hello", "country": "F1"}', "invalid_country", id="country-digit"),
        pytest.param(b'{"url": "hello", "country": ""}', "invalid_country", id="country-empty"),
        pytest.param(b'{"url": "hello", "country": 33}', "invalid_country", id="country-number"),
        # `$` in a Python regex also matches before a trailing newline.
        pytest.param(b'{"url": "hello", "country": "FR\\n"}', "invalid_country", id="country-nl"),
        pytest.param(b'{"url": "hello", "minor": "yes"}', "invalid_field", id="minor-string"),
        pytest.param(b'{"url": "hello", "minor": 1}', "invalid_field", id="minor-int"),
        pytest.param(b'{"url": "hello", "minor": null}', "invalid_field", id="minor-null"),
        pytest.param(b'{"url": "hello", "callback": "x"}', "unknown_field", id="unknown-field"),
        pytest.param(b'{"uri": "https://videos.example.com/ok"}', "unknown_field", id="typo-url"),
    ],
)
async def test_bad_check_requests_get_a_specific_400(api, body: bytes, code: str) -> None:
    status, ctype, text = await post_checks(api, data=body, headers=JSON)
    assert_error(status, ctype, text, 400, code)


async def test_url_over_4096_characters_is_refused_with_400(api) -> None:
    url = "https://videos.example.com/" + "a" * 4096
    status, ctype, text = await post_checks(api, json={"url": url})
    assert_error(status, ctype, text, 400, "url_too_long")


async def test_url_of_exactly_4096_characters_is_checked(api) -> None:
    url = "https://videos.example.com/ok?" + "a" * (4096 - len("https://videos.example.com/ok?"))
    assert len(url) == 4096
    doc = await api.check(url)
    assert doc["url"] == url


@pytest.mark.parametrize(
    ("kwargs", "label"),
    [
        ({"data": b'{"url": "hello"}', "headers": {"Content-Type": "text/plain"}}, "text/plain"),
        ({"data": {"url": "hello"}}, "form"),
        ({"data": b'{"url": "hello"}', "headers": {"Content-Type": "application/xml"}}, "xml"),
        ({"data": b'{"url": "hello"}'}, "no content type"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_wrong_content_type_gets_415(api, kwargs: dict, label: str) -> None:
    status, ctype, text = await post_checks(api, **kwargs)
    assert_error(status, ctype, text, 415, "unsupported_media_type")


async def test_json_with_charset_parameter_is_accepted(api) -> None:
    status, doc = await api.request(
        "POST",
        CHECKS,
        data=b'{"url": "hello"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert status == 200
    assert doc["verdict"] == "invalid_url"


@pytest.mark.parametrize("size", [16 * 1024 + 1, 64 * 1024, 300 * 1024], ids=str)
async def test_body_over_16_kib_gets_413(api, size: int) -> None:
    prefix = b'{"url": "https://videos.example.com/ok", "pad": "'
    body = prefix + b"a" * (size - len(prefix) - 2) + b'"}'
    assert len(body) == size
    status, ctype, text = await post_checks(api, data=body, headers=JSON)
    assert_error(status, ctype, text, 413, "body_too_large")


async def test_deeply_nested_json_is_a_400_not_a_500(api) -> None:
    # 10 000 bytes, well under the 16 KiB limit, but deep enough to exhaust json's recursion.
    body = b"[" * 5000 + b"]" * 5000
    status, ctype, text = await raw(api, "POST", CHECKS, data=body, headers=JSON)
    assert_error(status, ctype, text, 400, "invalid_json")


@pytest.mark.parametrize(
    "url",
    ["hello\\ud800", "https://videos.example.com/\\udc00x", "http://127.0.0.1:9/\\ud83d"],
    ids=["text", "path", "refused"],
)
async def test_lone_surrogate_in_url_is_never_a_500(api, url: str) -> None:
    # JSON can spell an unpaired UTF-16 surrogate; it cannot be encoded back to UTF-8.
    body = ('{"url": "' + url + '"}').encode()
    status, ctype, text = await raw(api, "POST", CHECKS, data=body, headers=JSON)
    assert status != 500, text
    assert ctype == "application/json"
    if status == 200:
        assert json.loads(text)["verdict"] == "invalid_url"
    else:
        assert 400 <= status < 500
        assert json.loads(text)["error"]["code"]


async def test_get_on_checks_is_405_json_with_allow(api) -> None:
    response = await api.raw.get(CHECKS)
    text = await response.text()
    assert_error(response.status, response.content_type, text, 405, "method_not_allowed")
    assert "POST" in response.headers.get("Allow", "")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_on_checks_are_405(api, method: str) -> None:
    status, ctype, text = await raw(api, method, CHECKS, json={"url": "hello"})
    assert_error(status, ctype, text, 405, "method_not_allowed")


@pytest.mark.parametrize(
    "path", ["/nope", "/api/v1/check", "/api/v2/checks", "/api/v1/checks/123", "/healthz/x"]
)
async def test_unknown_path_is_404_json(api, path: str) -> None:
    status, ctype, text = await raw(api, "GET", path)
    assert_error(status, ctype, text, 404, "not_found")


async def test_missing_static_file_is_404_json(api) -> None:
    status, ctype, text = await raw(api, "GET", "/static/no-such-file.js")
    assert_error(status, ctype, text, 404, "not_found")


async def test_text_that_is_not_a_url_gets_invalid_url_verdict(api) -> None:
    doc = await api.check("hello")
    assert doc["verdict"] == "invalid_url"
    assert doc["url"] == "hello"
    assert doc["documents"] == [] and doc["redirects"] == []
    assert doc["findings"][-1]["probe"] == "verdict"


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_defaults_and_fields_are_echoed(api, lang: str) -> None:
    doc = await api.check("hello", lang=lang, country="be", minor=True)
    assert (doc["lang"], doc["country"], doc["minor"]) == (lang, "BE", True)
    default = await api.check("hello")
    assert (default["lang"], default["country"], default["minor"]) == ("fr", "FR", False)


def _events(stream: str) -> list[tuple[str, dict]]:
    events = []
    for block in stream.split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].strip())
        events.append((name, json.loads("\n".join(data))))
    return events


async def test_event_stream_sends_progress_then_one_valid_result(api) -> None:
    response = await api.raw.post(
        CHECKS,
        json={"url": "https://videos.example.com/ok", "lang": "en"},
        headers={"Accept": "text/event-stream"},
    )
    assert response.status == 200
    assert response.content_type == "text/event-stream"
    events = _events(await response.text())
    names = [name for name, _ in events]
    assert names[-1] == "result", names
    assert names.count("result") == 1
    assert "progress" in names[:-1]
    assert set(names[:-1]) == {"progress"}
    progress = schema_of("ProgressEvent")
    for _, data in events[:-1]:
        errors = list(progress.iter_errors(data))
        assert not errors, f"{errors[0].message}: {data}"
    result = events[-1][1]
    errors = sorted(schema_of("CheckResult").iter_errors(result), key=str)
    assert not errors, f"{errors[0].message} at {list(errors[0].path)}"
    assert result["url"] == "https://videos.example.com/ok"
    assert result["lang"] == "en"


async def test_event_stream_for_invalid_url_still_ends_with_result(api) -> None:
    response = await api.raw.post(
        CHECKS, json={"url": "hello"}, headers={"Accept": "text/event-stream"}
    )
    events = _events(await response.text())
    assert events[-1][0] == "result"
    assert events[-1][1]["verdict"] == "invalid_url"
    assert not list(schema_of("CheckResult").iter_errors(events[-1][1]))


async def test_event_stream_bad_input_is_still_a_json_error(api) -> None:
    status, ctype, text = await raw(
        api, "POST", CHECKS, json={"url": ""}, headers={"Accept": "text/event-stream"}
    )
    assert_error(status, ctype, text, 400, "empty_url")


async def test_healthz(api) -> None:
    status, doc = await api.request("GET", "/healthz")
    assert status == 200
    assert doc["status"] == "ok" and doc["version"]


async def test_openapi_document_is_served(api) -> None:
    status, doc = await api.request("GET", "/api/openapi.json")
    assert status == 200
    assert doc["openapi"].startswith("3.1")
    assert CHECKS in doc["paths"] and SHEET in doc["paths"]
    assert "CheckResult" in doc["components"]["schemas"]


HOSTILE_URL = 'https://videos.example.com/ok?a=1&b="<i>x</i>"'


@pytest.mark.parametrize("lang", ["fr", "en"])
async def test_sheet_from_a_real_result_shows_url_escaped_and_verdict(api, lang: str) -> None:
    result = await api.check(HOSTILE_URL, lang=lang)
    status, page = await api.request("POST", SHEET, json=result)
    assert status == 200
    assert "<i>x</i>" not in page
    assert html.escape(HOSTILE_URL) in page or html.escape(HOSTILE_URL, quote=False) in page
    assert f"<code>{result['verdict']}</code>" in page
    response = await api.raw.post(SHEET, json=result)
    assert response.content_type == "text/html"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]


async def test_sheet_lang_query_parameter_overrides_the_result(api) -> None:
    result = await api.check("hello", lang="fr")
    status, page = await api.request("POST", SHEET + "?lang=en", json=result)
    assert status == 200
    assert '<html lang="en"' in page


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda d: d.pop("url"), "invalid_result"),
        (lambda d: d.update(verdict="maybe"), "invalid_result"),
        (lambda d: d.update(confidence="total"), "invalid_result"),
        (lambda d: d.update(checked_at="yesterday"), "invalid_result"),
        (lambda d: d.update(findings="none"), "invalid_result"),
        (lambda d: d.update(redirects=[{"url": "x", "status": "301"}]), "invalid_result"),
        (lambda d: d.update(documents=[{"url": "x"}]), "invalid_result"),
        (lambda d: d.update(platform={"id": "x"}), "invalid_result"),
        (lambda d: d.update(lang="de"), "unknown_lang"),
    ],
    ids=[
        "no-url",
        "verdict",
        "confidence",
        "checked_at",
        "findings",
        "redirects",
        "documents",
        "platform",
        "lang",
    ],
)
async def test_sheet_with_an_invalid_result_is_400_json(api, mutate, code: str) -> None:
    result = await api.check("hello")
    mutate(result)
    status, doc = await api.request("POST", SHEET, json=result)
    assert status == 400, doc
    assert doc["error"]["code"] == code


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"[1, 2]", JSON, 400, "invalid_json"),
        (b"{oops", JSON, 400, "invalid_json"),
        (b"{}", JSON, 400, "invalid_result"),
        (b"{}", {"Content-Type": "text/html"}, 415, "unsupported_media_type"),
        (b'{"pad": "' + b"a" * (300 * 1024) + b'"}', JSON, 413, "body_too_large"),
    ],
    ids=["array", "invalid-json", "empty-object", "html", "too-large"],
)
async def test_sheet_bad_bodies(api, body: bytes, headers: dict, status: int, code: str) -> None:
    got, ctype, text = await raw(api, "POST", SHEET, data=body, headers=headers)
    validate_response("POST", SHEET, got, ctype, text)
    assert_error(got, ctype, text, status, code)


async def test_sheet_with_lone_surrogate_is_never_a_500(api) -> None:
    result = await api.check("hello")
    body = json.dumps(result).replace('"url": "hello"', '"url": "hello\\ud800"').encode()
    assert b"\\ud800" in body
    status, ctype, text = await raw(api, "POST", SHEET, data=body, headers=JSON)
    assert status in (200, 400), text
    assert ctype == ("text/html" if status == 200 else "application/json")


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/healthz", {}),
        ("GET", "/api/openapi.json", {}),
        ("POST", CHECKS, {"json": {"url": "hello"}}),
        ("POST", CHECKS, {"data": b"{", "headers": JSON}),
        ("GET", "/nope", {}),
        ("GET", CHECKS, {}),
    ],
    ids=["healthz", "openapi", "check", "error", "404", "405"],
)
async def test_security_headers_on_every_answer(api, method: str, path: str, kwargs: dict) -> None:
    response = await api.raw.request(method, path, **kwargs)
    await response.read()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers.get("Referrer-Policy") == "no-referrer"
    assert "Set-Cookie" not in response.headers


async def test_event_stream_has_the_security_headers_too(api) -> None:
    # The stream is prepared inside the handler, before the headers middleware runs.
    response = await api.raw.post(
        CHECKS, json={"url": "hello"}, headers={"Accept": "text/event-stream"}
    )
    await response.read()
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert "default-src 'none'" in response.headers.get("Content-Security-Policy", "")
    assert response.headers.get("Referrer-Policy") == "no-referrer"


# --- issue 13, item 13: numbers and dates that overflow must be a 400, never a 500 ------------

HUGE_INTEGER = "9" * 5000  # over CPython's 4,300-digit limit for int() of a decimal string
BIG_INTEGER = "9" * 400  # parses, but no JSON peer (an IEEE 754 double) holds it exactly
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"url": ' + HUGE_INTEGER + "}", id="url-5000-digits"),
        pytest.param('{"url": "hello", "minor": -' + HUGE_INTEGER + "}", id="minor-5000-digits"),
        pytest.param('{"url": "hello", "pad": [' + BIG_INTEGER + "]}", id="nested-400-digits"),
        *(
            pytest.param('{"url": "hello", "minor": ' + token + "}", id=f"minor-{token}")
            for token in NON_FINITE
        ),
    ],
)
async def test_overflowing_numbers_in_a_check_request_are_a_400_not_a_500(api, body: str) -> None:
    status, ctype, text = await post_checks(api, data=body.encode(), headers=JSON)
    assert_error(status, ctype, text, 400, "invalid_number")


def _sheet_body(result: dict, field: str, token: str) -> bytes:
    """The result as JSON with one field's value replaced by raw JSON text (json.dumps cannot
    write a 5,000-digit integer or Infinity, which is exactly what an attacker sends)."""
    doc = dict(result)
    doc[field] = "__HOSTILE__"
    return json.dumps(doc).replace('"__HOSTILE__"', token).encode()


@pytest.mark.parametrize(
    ("field", "token"),
    [
        pytest.param("duration_ms", HUGE_INTEGER, id="duration-5000-digits"),
        pytest.param("duration_ms", BIG_INTEGER, id="duration-400-digits"),
        *(
            pytest.param(
                "media", '{"container": "mp4", "duration_seconds": ' + t + "}", id=f"media-{t}"
            )
            for t in NON_FINITE
        ),
        pytest.param(
            "redirects",
            '[{"url": "https://a.example/", "status": ' + HUGE_INTEGER + "}]",
            id="redirect-status-5000-digits",
        ),
    ],
)
async def test_overflowing_numbers_in_a_sheet_request_are_a_400_not_a_500(
    api, field: str, token: str
) -> None:
    result = await api.check("hello")
    status, ctype, text = await raw(
        api, "POST", SHEET, data=_sheet_body(result, field, token), headers=JSON
    )
    validate_response("POST", SHEET, status, ctype, text)
    assert_error(status, ctype, text, 400, "invalid_number")


@pytest.mark.parametrize(
    "moment",
    [
        "9999-12-31T23:59:59-23:59",  # one day past year 9999 once in UTC
        "0001-01-01T00:00:00+23:59",  # before year 1 once in UTC
        "9999-12-31T23:59:59.999999-00:01",
    ],
)
async def test_out_of_range_checked_at_in_a_sheet_request_is_a_400_not_a_500(
    api, moment: str
) -> None:
    result = await api.check("hello")
    result["checked_at"] = moment
    status, ctype, text = await raw(api, "POST", SHEET, json=result)
    validate_response("POST", SHEET, status, ctype, text)
    assert_error(status, ctype, text, 400, "invalid_result")
    assert "checked_at" in json.loads(text)["error"]["message"]
