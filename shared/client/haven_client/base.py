"""What each generated service class (:mod:`haven_client.methods`) stands on."""

class ServiceClient:
    """The methods of one service (generated in :mod:`haven_client.methods`)."""

    service = None

    def __init__(self, client):
        self._client = client

    def _call(self, method, kwargs, writes=False, idempotency_key=None, timeout=None):
        return self._client.call(self.service, method, kwargs, writes=writes, idempotency_key=idempotency_key,
                                 timeout=timeout)
