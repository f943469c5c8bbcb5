"""A synchronous TMF641 Service Ordering client with classified failures.

Every failure is an :class:`OssError` whose ``kind`` tells the caller what it
may do next:

``unreachable``
    The request never reached the OSS (connection refused, unknown host,
    connect timeout, bad URL). Nothing happened there; retrying is safe.
``timeout``
    The request was sent but no answer came within the timeout. The OSS may
    or may not have acted on it: before re-sending a create, look the order up
    by its ``externalId`` (:meth:`ServiceOrderClient.find`), or send the create
    with the same ``idempotency_key``.
``rejected``
    The OSS answered 4xx: it refused this request (invalid order, unknown id,
    cancellation after the point of no return...). ``status`` and the TMF
    error body's ``code``/``message``/``details`` say why. Retrying the same
    request will not help.
``server``
    The OSS answered 5xx, broke the connection mid-answer, or answered
    something that is not the expected JSON. Retrying later may help.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

import httpx

from openbss import __version__
from openbss.core import jsoncodec
from openbss.core.settings import Settings, get_settings

Doc = dict[str, Any]
ErrorKind = Literal["unreachable", "timeout", "rejected", "server"]


class OssError(Exception):
    """A TMF641 call that did not succeed; see the module docstring for ``kind``."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.code = code
        self.body = body

    @property
    def retryable(self) -> bool:
        """True for ``unreachable`` and ``server``; a ``timeout`` needs a look-up first."""
        return self.kind in ("unreachable", "server")

    def __repr__(self) -> str:
        return f"OssError(kind={self.kind!r}, status={self.status!r}, message={self.message!r})"


def _error_message(response: httpx.Response) -> tuple[str, str | None, Any]:
    """``(message, code, body)`` from a TMF630 error body, or from the raw answer."""
    try:
        body = jsoncodec.loads(response.content) if response.content else None
    except ValueError:
        body = None
    prefix = f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        text = response.text.strip()[:200]
        return (f"{prefix}: {text}" if text else prefix), None, body
    code = body.get("code")
    parts = [str(body[key]) for key in ("reason", "message") if isinstance(body.get(key), str) and body[key]]
    message = f"{prefix} {code}" if isinstance(code, str) else prefix
    if parts:
        message += ": " + " - ".join(parts)
    details = body.get("details")
    if isinstance(details, list):
        said = str(body.get("message", ""))
        named = [
            f"{d.get('field')}: {d.get('message')} [{d.get('rule')}]"
            for d in details
            if isinstance(d, dict) and str(d.get("message")) not in said
        ]
        if named:
            message += " (" + "; ".join(named) + ")"
    return message, code if isinstance(code, str) else None, body


class ServiceOrderClient:
    """TMF641 calls against ``base_url`` (e.g. ``http://127.0.0.1:8641/tmf-api/serviceOrdering/v4``).

    ``timeout`` (seconds) bounds connecting and each read/write. The client
    keeps a connection pool: reuse one instance, and :meth:`close` it (or use
    it as a context manager) when done.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": f"openbss/{__version__} (tmf641)", "Accept": "application/json", **(headers or {})},
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> ServiceOrderClient:
        """A client for ``OPENBSS_OSS_URL`` with ``OPENBSS_OSS_TIMEOUT_SECONDS``."""
        settings = settings or get_settings()
        return cls(settings.oss_url, timeout=settings.oss_timeout_seconds)

    def __enter__(self) -> ServiceOrderClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- TMF641 operations ----------------------------------------------------------------------------

    def create(self, order: Doc, *, idempotency_key: str | None = None) -> Doc:
        """``POST /serviceOrder``: the order as the OSS acknowledged it (with its ``id`` and ``state``)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self._expect_object(self._call("POST", "/serviceOrder", json=order, headers=headers))

    def get(self, order_id: str) -> Doc:
        """``GET /serviceOrder/{id}``: the order as it is now (``rejected`` with status 404 when unknown)."""
        return self._expect_object(self._call("GET", f"/serviceOrder/{quote(order_id, safe='')}"))

    def find(self, **filters: str) -> list[Doc]:
        """``GET /serviceOrder?name=value``: orders whose attributes equal the filters (e.g. ``externalId=...``)."""
        result = self._call("GET", "/serviceOrder", params=filters)
        if not isinstance(result, list) or not all(isinstance(item, dict) for item in result):
            raise OssError("server", "the OSS answered a list request with something that is not a JSON array")
        return result

    def cancel(self, order_id: str, reason: str | None = None) -> Doc:
        """``POST /cancelServiceOrder``: the cancellation task (state ``accepted`` ... ``done``).

        An order past the point of no return is refused (``rejected``, HTTP 409 from the simulator).
        """
        body: Doc = {"serviceOrder": {"id": order_id, "href": f"{self.base_url}/serviceOrder/{order_id}"}}
        if reason is not None:
            body["cancellationReason"] = reason
        return self._expect_object(self._call("POST", "/cancelServiceOrder", json=body))

    def get_cancellation(self, task_id: str) -> Doc:
        """``GET /cancelServiceOrder/{id}``."""
        return self._expect_object(self._call("GET", f"/cancelServiceOrder/{quote(task_id, safe='')}"))

    def subscribe(self, callback: str, query: str | None = None) -> str:
        """``POST /hub``: register ``callback`` for the OSS's events; the subscription id.

        Events are POSTed to ``<callback>/listener/<eventName>``; openbss's own
        listener lives at ``<OPENBSS_OSS_LISTENER_URL>/tmf-api/serviceOrdering/v4``
        (see :func:`openbss.oss.listener.listener_callback`).
        """
        body: Doc = {"callback": callback}
        if query is not None:
            body["query"] = query
        answer = self._expect_object(self._call("POST", "/hub", json=body))
        if not isinstance(answer.get("id"), str):
            raise OssError("server", "the OSS registered the listener but answered without an id", body=answer)
        return str(answer["id"])

    def unsubscribe(self, subscription_id: str) -> None:
        """``DELETE /hub/{id}``."""
        self._call("DELETE", f"/hub/{quote(subscription_id, safe='')}")

    # --- transport ----------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, json: Any = None, **kwargs: Any) -> Any:
        url = f"{self.base_url}{path}"
        content = jsoncodec.dumps(json) if json is not None else None
        headers = {**(kwargs.pop("headers", None) or {})}
        if content is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self._http.request(method, url, content=content, headers=headers, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise OssError("unreachable", f"{method} {url}: the OSS cannot be reached ({_describe(exc)})") from exc
        except httpx.TimeoutException as exc:
            raise OssError("timeout", f"{method} {url}: no answer from the OSS in time ({_describe(exc)})") from exc
        except httpx.HTTPError as exc:
            raise OssError("server", f"{method} {url}: the OSS broke off the exchange ({_describe(exc)})") from exc
        if response.status_code >= 400:
            message, code, body = _error_message(response)
            kind: ErrorKind = "rejected" if response.status_code < 500 else "server"
            raise OssError(kind, f"{method} {url}: {message}", status=response.status_code, code=code, body=body)
        if response.status_code >= 300:
            raise OssError(
                "server", f"{method} {url}: unexpected HTTP {response.status_code}", status=response.status_code
            )
        if not response.content:
            return None
        try:
            return jsoncodec.loads(response.content)
        except ValueError as exc:
            raise OssError(
                "server", f"{method} {url}: the OSS answered with a body that is not JSON", status=response.status_code
            ) from exc

    @staticmethod
    def _expect_object(answer: Any) -> Doc:
        if not isinstance(answer, dict):
            raise OssError("server", "the OSS answered with something that is not a JSON object", body=answer)
        return answer


def _describe(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
