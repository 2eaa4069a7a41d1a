"""HTTP to the Bot API with retries for what Telegram surely did not do.

A 5xx answer or a refused connection means the request was not carried out, so it is sent
again with exponential backoff. A timeout is *not* retried: the message may already be in the
chat, and a picture sent twice is worse than a warning in the log. 429s are the rate
limiter's (AIORateLimiter waits ``retry_after`` and retries).
"""

from __future__ import annotations

import asyncio
import logging

from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)


class RetryingRequest(HTTPXRequest):
    ATTEMPTS = 4
    BASE_DELAY = 0.5  #: seconds before the second attempt; doubled for each further one

    async def do_request(self, url: str, method: str, request_data=None, **timeouts) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        for attempt in range(1, self.ATTEMPTS + 1):
            last = attempt == self.ATTEMPTS
            try:
                code, payload = await super().do_request(url, method, request_data, **timeouts)
            except TimedOut:
                raise
            except NetworkError as exc:
                if last or "ConnectError" not in str(exc):
                    raise
                reason = "connection refused"
            else:
                if code < 500 or last:
                    return code, payload
                reason = f"HTTP {code}"
            delay = self.BASE_DELAY * 2 ** (attempt - 1)
            log.warning("%s failed (%s); retry %d in %.1f s", endpoint, reason, attempt, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")
