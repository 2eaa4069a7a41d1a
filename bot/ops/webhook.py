"""Webhook mode (WEBHOOK_URL, WEBHOOK_SECRET, WEBHOOK_PORT): updates arrive as POSTs instead of long
polling, so several bot replicas can sit behind one load balancer.

PTB's custom-webhook pattern: the Application is built without an Updater; an aiohttp route checks
``X-Telegram-Bot-Api-Secret-Token`` (anything else gets 403), keeps picture messages in the inbox
(bot.telegram.inbox) exactly as the polling path does, and puts the update on the Application's
queue. Telegram retries an update until it gets a 2xx, so an update is acknowledged only after it
is safely queued.
"""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from ..config import Config
from ..limits import ALLOWED_UPDATES
from ..storage import queries, unavailable
from ..telegram.request import readable_updates

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookServer:
    def __init__(self, application: Application, config: Config, host: str = "0.0.0.0"):
        self.application, self.config, self.host = application, config, host
        self.path = urlsplit(config.webhook_url).path or "/"
        self.port: int | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen, then tell Telegram where to post (updates waiting at Telegram follow at once)."""
        app = web.Application()
        app.router.add_post(self.path, self.receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.config.webhook_port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        await self.application.bot.set_webhook(
            self.config.webhook_url, secret_token=self.config.webhook_secret, allowed_updates=ALLOWED_UPDATES
        )
        log.info("webhook on port %s for %s", self.port, self.config.webhook_url)

    async def stop(self) -> None:
        # The webhook stays registered: other replicas go on receiving, and Telegram keeps what no one
        # took until this one is back.
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), (self.config.webhook_secret or "").encode()):
            return web.Response(status=403, text="wrong secret token")
        try:
            payload = json.loads(await request.read())
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack
            return web.Response(status=400, text="not JSON")
        update_id = payload.get("update_id") if isinstance(payload, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return web.Response(status=400, text="not an update")
        updates = [payload]
        readable_updates(updates)  # one PTB cannot parse becomes an empty update, skipped (logged once)
        svc = self.application.bot_data.get("services")
        if svc is not None:
            # Seen and (a picture message) kept in one transaction: an update is taken only when
            # both are, else Telegram posts it again — never marked seen and then lost.
            try:
                async with svc.db.session() as session, session.begin():
                    fresh = await queries.first_sight(session, update_id)
                    if fresh and svc.inbox is not None:
                        updates = await svc.inbox.record(updates, session)
            except Exception as exc:
                if not unavailable(exc):
                    raise
                log.warning("update %s not taken: the database is unavailable (%s)", update_id, type(exc).__name__)
                return web.Response(status=503, text="database unavailable; post it again")
            if not fresh:  # Telegram posted it again (our answer was slow): handled once
                log.info("update %s posted again; already taken", update_id)
                return web.Response(text="ok")
        for update in updates:
            await self.application.update_queue.put(Update.de_json(update, self.application.bot))
        return web.Response(text="ok")
