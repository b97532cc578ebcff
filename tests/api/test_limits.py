"""Request limits and hostile input: 413, 415, 4xx problem+json that never echoes, never a 500.

The routes under test are read from the app's own OpenAPI document, so every POST route
and every query and path parameter added later is covered without touching this file.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.errors import problem
from api.limits import MAX_JSON_DEPTH
from api.main import create_app
from api.schemas import Schema
from api.settings import Settings
from recommender.access import Role
from recommender.store import make_engine, save_catalog, upgrade
from recommender.store.access import create_key
from tests.api.test_employees import two_people

MiB = 1024 * 1024
MARK = "zz-marker-4711"
UPLOADS = {"/v1/imports/org"}
SPEC: dict[str, Any] = create_app().openapi()
PATH_VALUES = {"employee_id": "E1", "role_id": "soc-analyst", "target_role": "soc-analyst"}


def _operations(method: str) -> list[str]:
    return sorted(p for p, ops in SPEC["paths"].items() if method in ops)


def _fields(path: str) -> list[str]:
    """The top-level JSON fields a POST route documents (none for uploads)."""
    content = SPEC["paths"][path]["post"].get("requestBody", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref")
    if ref is None:
        return []
    return sorted(SPEC["components"]["schemas"][ref.rsplit("/", 1)[1]].get("properties", {}))


def _url(path: str, value: str | None = None) -> str:
    """``path`` with its parameters filled in (with ``value`` raw, when given)."""
    for name in [p["name"] for p in _parameters(path, "path")]:
        path = path.replace("{" + name + "}", value or PATH_VALUES.get(name, "x"))
    return path


def _parameters(path: str, where: str) -> list[dict[str, Any]]:
    return [
        p
        for op in SPEC["paths"][path].values()
        for p in op.get("parameters", [])
        if p["in"] == where
    ]


POST_ROUTES = _operations("post")
JSON_ROUTES = [p for p in POST_ROUTES if p not in UPLOADS]
PUT_ROUTES = _operations("put")
QUERY_CASES = [
    (path, param["name"])
    for path in _operations("get")
    for param in _parameters(path, "query")
    if "get" in SPEC["paths"][path]
]
PATH_ROUTES = sorted({(m.upper(), p) for p, ops in SPEC["paths"].items() for m in ops if "{" in p})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The real app (real encoder) over the small catalogue; an admin key passes every check."""
    url = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'reskill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    save_catalog(engine, two_people(), kind="org", source="tests")
    admin = {"X-API-Key": create_key(engine, Role.ADMIN).token}
    try:
        with TestClient(create_app(Settings(database_url=url))) as client:
            yield client, admin
    finally:
        engine.dispose()


def _refused(response: Any, *statuses: int, echo: tuple[str, ...] = (MARK,)) -> None:
    """A 4xx problem+json, never cached, that repeats none of ``echo``."""
    assert response.status_code in (statuses or range(400, 500)), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == response.status_code and body["detail"]
    for text in echo:
        assert text not in response.text


def _body(path: str, literal: str) -> bytes:
    """A JSON object giving ``literal`` (raw JSON text) to every documented field, and a mark."""
    fields = [*_fields(path), "zz"]
    members = ", ".join(f'"{f}": {literal}' for f in fields)
    return ("{" + members + f', "mark": "{MARK}"' + "}").encode("utf-8", "surrogatepass")


HOSTILE_VALUES = {
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "1e309": "1e309",
    "10**5000": "1" + "0" * 5000,
    "lone surrogate": '"\\udbcd"',
    "NUL": '"a\\u0000b"',
    "20 000 levels": "[" * 20_000 + "]" * 20_000,
    f"{MAX_JSON_DEPTH + 1} levels": "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
}


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize("value", HOSTILE_VALUES.values(), ids=HOSTILE_VALUES.keys())
def test_hostile_json_values_are_a_4xx_that_echoes_nothing(
    api: tuple[TestClient, dict[str, str]], path: str, value: str
) -> None:
    client, admin = api
    headers = {**admin, "content-type": "application/json"}
    response = client.post(_url(path), content=_body(path, value), headers=headers)
    _refused(response, 415 if path in UPLOADS else 422, echo=(MARK, "udbcd", "0" * 50))


#: A body each JSON route accepts, and the same body with one text spoilt by a lone surrogate.
BAD = "zz\udbcdzz"
VALID_BODIES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "/v1/match": ({"text": "incident response", "top": 3}, {"text": BAD, "top": 3}),
    "/v1/titles/normalize": ({"titles": ["help desk technician"]}, {"titles": ["ok", BAD]}),
    "/v1/shortlists": (
        {"role_id": "soc-analyst", "limit": 2},
        {"role_id": "soc-analyst", "limit": 2, "filters": {"department": BAD}},
    ),
    "/v1/candidates/search": ({"text": "incident response", "limit": 3}, {"text": BAD}),
    "/v1/academy/plans": ({"roles": ["soc-analyst"]}, {"roles": ["soc-analyst", BAD]}),
    "/v1/employees/{employee_id}/nominations": (
        {"role_id": "soc-analyst", "reason": "runs the drills"},
        {"reason": BAD},
    ),
    "/v1/employees/{employee_id}/certifications": (
        {"course_id": "net-plus"},
        {"course_id": BAD},
    ),
}


def test_every_json_route_has_a_valid_body_here() -> None:
    assert sorted(VALID_BODIES) == JSON_ROUTES


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_a_lone_surrogate_alone_is_a_422_that_echoes_nothing(
    api: tuple[TestClient, dict[str, str]], path: str
) -> None:
    """Only the spoilt text is wrong (in a list, in a nested object): the Unicode check
    itself refuses it."""
    client, admin = api
    good, spoilt = VALID_BODIES[path]
    assert client.post(_url(path), json=good, headers=admin).status_code in (200, 201)
    headers = {**admin, "content-type": "application/json"}
    response = client.post(_url(path), content=json.dumps(spoilt).encode(), headers=headers)
    _refused(response, 422, echo=("udbcd", "zz"))


def test_every_request_body_model_checks_its_text() -> None:
    """Response models skip the Unicode walk; every model a client sends must keep it."""
    import importlib
    import pkgutil

    from fastapi.routing import APIRoute

    import api.routers
    from api.schemas import RequestSchema

    modules = [
        importlib.import_module(f"api.routers.{m.name}")
        for m in pkgutil.iter_modules(api.routers.__path__)
    ]
    models = {
        field.field_info.annotation
        for module in modules
        for route in module.router.routes
        if isinstance(route, APIRoute)
        for field in route.dependant.body_params
    }
    schemas = {m for m in models if isinstance(m, type) and issubclass(m, Schema)}
    # one body model per JSON route, all found
    assert len(schemas) == len(JSON_ROUTES) + len(PUT_ROUTES)
    for model in schemas:
        assert issubclass(model, RequestSchema), model


@pytest.mark.parametrize("path", PUT_ROUTES)
@pytest.mark.parametrize("value", HOSTILE_VALUES.values(), ids=HOSTILE_VALUES.keys())
def test_hostile_json_values_in_a_put_are_a_4xx_that_echoes_nothing(
    api: tuple[TestClient, dict[str, str]], path: str, value: str
) -> None:
    client, admin = api
    headers = {**admin, "content-type": "application/json"}
    fields = ("role_id", "job_family", "zz")
    members = ", ".join(f'"{f}": {value}' for f in fields)
    body = ("{" + members + f', "mark": "{MARK}"' + "}").encode("utf-8", "surrogatepass")
    response = client.put(_url(path), content=body, headers=headers)
    _refused(response, 422, echo=(MARK, "udbcd", "0" * 50))
    spoilt = json.dumps({"job_family": BAD}).encode()
    _refused(client.put(_url(path), content=spoilt, headers=headers), 422, echo=("udbcd", "zz"))


HOSTILE_BODIES: dict[str, tuple[bytes, str | None]] = {
    "duplicate keys": (b'{"text": "a", "text": "b", "mark": "' + MARK.encode() + b'"}', None),
    "unclosed 20 000 levels": (b'{"a": ' * 20_000, None),
    "not UTF-8": (b'{"text": "\xff\xfe", "mark": "' + MARK.encode() + b'"}', None),
    "not JSON": (b'{"text": ' + MARK.encode() + b"}", None),
    "empty": (b"", None),
    "text/plain": (b'{"mark": "' + MARK.encode() + b'"}', "text/plain"),
    "no content type": (b'{"mark": "' + MARK.encode() + b'"}', ""),
    "form": (b"mark=" + MARK.encode(), "application/x-www-form-urlencoded"),
    "multipart without boundary": (
        b"--x\r\n" + MARK.encode() + b"\r\n--x--",
        "multipart/form-data",
    ),
}


@pytest.mark.parametrize("path", POST_ROUTES)
@pytest.mark.parametrize("case", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_bodies_are_a_4xx_that_echoes_nothing(
    api: tuple[TestClient, dict[str, str]], path: str, case: tuple[bytes, str | None]
) -> None:
    client, admin = api
    body, content_type = case
    headers = {**admin, "content-type": content_type or "application/json"}
    if content_type == "":
        del headers["content-type"]
    response = client.post(_url(path), content=body, headers=headers)
    _refused(response)


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_a_validation_error_lists_where_and_why_but_never_the_input(
    api: tuple[TestClient, dict[str, str]], path: str
) -> None:
    client, admin = api
    response = client.post(_url(path), json={"zz": MARK, "mark": [MARK]}, headers=admin)
    _refused(response, 422)
    errors = response.json()["errors"]
    assert errors and all(set(e) == {"loc", "msg", "type"} for e in errors)
    assert ["body", "zz"] in [e["loc"] for e in errors]


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_a_json_body_over_1_mib_is_a_413_whether_its_length_is_declared_or_not(
    api: tuple[TestClient, dict[str, str]], path: str
) -> None:
    client, admin = api
    big = b'{"text": "' + b"a" * MiB + b'"}'
    declared = client.post(
        _url(path), content=big, headers={**admin, "content-type": "application/json"}
    )
    _refused(declared, 413)
    assert "1 MiB" in declared.json()["detail"]
    chunked = client.post(
        _url(path),
        content=iter([big[:1000], big[1000:]]),
        headers={**admin, "content-type": "application/json"},
    )
    _refused(chunked, 413)


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_a_json_body_of_exactly_1_mib_is_read(
    api: tuple[TestClient, dict[str, str]], path: str
) -> None:
    client, admin = api
    head = b'{"zz": 1}'
    body = head + b" " * (MiB - len(head))
    response = client.post(
        _url(path), content=body, headers={**admin, "content-type": "application/json"}
    )
    _refused(response, 422)  # it reached validation: the unknown field, not the size


def test_a_get_with_a_body_over_1_mib_is_a_413(api: tuple[TestClient, dict[str, str]]) -> None:
    client, admin = api
    response = client.request("GET", "/v1/roles", content=b"x" * (MiB + 1), headers=admin)
    _refused(response, 413)


QUERY_VALUES = ["NaN", "Infinity", "-Infinity", "1e309", "9" * 5000, "-1", "0", "true"]
RAW_QUERY_VALUES = ["%ED%B3%8D", "%ED%A0%80x", "%00", "%FF"]
TEXT_VALUES = ["' OR 1=1--", "%", "_", "<script>alert(1)</script>", "\u202eevil", "é" * 300]


@pytest.mark.parametrize(("path", "param"), QUERY_CASES, ids=[f"{p}?{q}" for p, q in QUERY_CASES])
def test_hostile_query_values_are_never_a_server_error(
    api: tuple[TestClient, dict[str, str]], path: str, param: str
) -> None:
    client, admin = api
    for value in QUERY_VALUES + TEXT_VALUES:
        response = client.get(f"{_url(path)}?{param}={quote(value)}", headers=admin)
        assert response.status_code < 500, (value, response.text)
        # A validation error never repeats the value (domain errors name it, by design).
        if response.status_code == 422 and response.json()["title"] == "Invalid request":
            _refused(response, 422, echo=(value,) if len(value) > 5 else ())
    for raw in RAW_QUERY_VALUES:
        response = client.get(f"{_url(path)}?{param}={raw}", headers=admin)
        _refused(response, 400)


@pytest.mark.parametrize(("method", "path"), PATH_ROUTES, ids=[f"{m} {p}" for m, p in PATH_ROUTES])
@pytest.mark.parametrize("raw", ["%ED%B3%8D", "%00", "%C0%AF"])
def test_a_path_that_is_not_unicode_is_a_400(
    api: tuple[TestClient, dict[str, str]], method: str, path: str, raw: str
) -> None:
    client, admin = api
    response = client.request(method, _url(path, raw), headers=admin)
    _refused(response, 400)


def _asgi(client: TestClient, scope: dict[str, Any], chunks: list[bytes]) -> tuple[int, int, bytes]:
    """Call the app directly, streaming ``chunks``; return status, chunks pulled and body."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {
                "type": "http.request",
                "body": chunks[pulled - 1],
                "more_body": pulled < len(chunks),
            }
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(client.app(scope, receive, send))  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, pulled, body


def _scope(path: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }


UPLOAD_HEAD = (
    b'--b\r\nContent-Disposition: form-data; name="files"; filename="employees.csv"\r\n\r\n'
)


@pytest.mark.parametrize(
    ("path", "content_type", "head", "limit"),
    [
        ("/v1/imports/org", "multipart/form-data; boundary=b", UPLOAD_HEAD, 20 * MiB),
        (JSON_ROUTES[0], "application/json", b'{"text": "', MiB),
    ],
    ids=["upload", "json"],
)
def test_a_streamed_body_is_cut_at_the_limit(
    api: tuple[TestClient, dict[str, str]], path: str, content_type: str, head: bytes, limit: int
) -> None:
    client, admin = api
    chunk = b"x" * (64 * 1024)
    chunks = [head] + [chunk] * (limit // len(chunk) + 40)  # 2.5 MiB past the limit
    needed = next(n for n in range(1, len(chunks) + 1) if len(b"".join(chunks[:n])) > limit)
    headers = {**admin, "content-type": content_type, "transfer-encoding": "chunked"}
    status, pulled, body = _asgi(client, _scope(path, headers), chunks)
    assert status == 413 and json.loads(bytes(body))["status"] == 413
    assert pulled == needed  # not one chunk more than it took to know


def test_a_content_length_that_is_not_a_number_is_a_400(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, admin = api
    headers = {**admin, "content-type": "application/json", "content-length": "lots"}
    status, pulled, body = _asgi(client, _scope(JSON_ROUTES[0], headers), [b"{}"])
    assert status == 400 and pulled == 0 and b"Content-Length" in body


def test_a_problem_renders_whatever_text_it_carries() -> None:
    response = problem(400, "Bad", "a\udbcdb", extra=["\ud800"])
    body = json.loads(bytes(response.body))
    assert body["detail"] == "a\ufffdb" and body["extra"] == ["\ufffd"]


def test_the_limits_sit_in_front_of_an_unknown_route_too(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, admin = api
    big = client.post("/v1/nowhere", content=b"x" * (MiB + 1), headers=admin)
    _refused(big, 413)
    assert client.post("/v1/nowhere", json={}, headers=admin).status_code == 404
