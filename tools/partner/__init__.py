"""Partner-kit tools: :mod:`.examples` plays one call of every partner RPC method through the client and records
(call, reply) pairs, which become the examples of the RPC contracts (``services/*/haven_*/examples.json``)."""
