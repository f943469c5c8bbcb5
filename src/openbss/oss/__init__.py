"""Southbound service ordering (TMF641): the client openbss uses to send service
orders to a network OSS, the listener that receives the OSS's events, and a
small TMF641 OSS simulator for demos and tests.

- :mod:`openbss.oss.client` — :class:`~openbss.oss.client.ServiceOrderClient`, a
  synchronous TMF641 client whose failures are classified (:class:`~openbss.oss.client.OssError`).
- :mod:`openbss.oss.listener` — ``POST /tmf-api/serviceOrdering/v4/listener/{eventName}``;
  handlers registered with :func:`~openbss.oss.listener.register_service_order_handler`.
- :mod:`openbss.oss.simulator` — the simulator app (``openbss oss-simulator``).
"""
