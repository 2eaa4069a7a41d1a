"""Operating the bot: /healthz and /metrics, logging."""
