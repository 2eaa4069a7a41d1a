"""The phone-user control API under ``/control/`` (JSON over HTTP)."""

from __future__ import annotations

from aiohttp import web

from .errors import ApiError

MEMBER_STATUSES = ("creator", "administrator", "member", "left", "kicked")


def add_control_routes(app: web.Application, double) -> None:
    """Serve the control API of ``double`` (the server's TelegramDouble, which calls this: no import
    back, so the two modules stay one direction)."""

    def ok(result) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def fail(code: int, description: str) -> web.Response:
        return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)

    async def body(request: web.Request) -> dict:
        try:
            data = await request.json()
        except ValueError:
            raise ApiError(400, "the control API takes a JSON object") from None
        if not isinstance(data, dict):
            raise ApiError(400, "the control API takes a JSON object")
        return data

    def guarded(handler):
        async def wrapper(request: web.Request) -> web.Response:
            try:
                return await handler(request)
            except ApiError as exc:
                return fail(exc.code, exc.description)
            except (KeyError, TypeError, ValueError) as exc:
                return fail(400, f"malformed control request: {exc!r}")

        return wrapper

    @guarded
    async def message(request):
        spec = await body(request)
        if "from" not in spec:
            raise ApiError(400, "a message needs 'from': {'id', 'first_name'}")
        result, delivered = await double.user_message(spec)
        return web.json_response({"ok": True, "result": result, "delivered": delivered})

    @guarded
    async def callback(request):
        return ok(await double.user_callback(await body(request)))

    @guarded
    async def sent(request):
        # ?after=<version>&wait=<seconds>: answer once the log has changed since that version
        chat_id = int(request.match_info["chat_id"])
        try:
            after = int(request.query.get("after", -1))
            wait = min(max(float(request.query.get("wait", 0)), 0.0), 30.0)
        except ValueError:
            raise ApiError(400, "'after' is a version (an integer) and 'wait' seconds") from None
        version = await double.changed_since(chat_id, after, wait)
        return web.json_response({"ok": True, "result": double.sent_log(chat_id), "version": version})

    @guarded
    async def file(request):
        stored = double.files.get(request.match_info["file_id"])
        if stored is None:
            return fail(404, "no such file")
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    @guarded
    async def members(request):
        spec = await body(request)
        if spec["status"] not in MEMBER_STATUSES:
            raise ApiError(400, f"status must be one of {', '.join(MEMBER_STATUSES)}")
        chat_id, user_id = int(spec["chat_id"]), int(spec["user_id"])
        double.ensure_chat({"id": chat_id, "type": spec.get("chat_type", "supergroup"), "title": spec.get("title")})
        if user_id != double.bot_user["id"]:
            double.ensure_user({"id": user_id, **spec.get("user", {})})
        double.members[(chat_id, user_id)] = spec["status"]
        return ok(True)

    @guarded
    async def faults(request):
        spec = await body(request)
        fault = {
            "method": str(spec["method"]),
            "times": int(spec.get("times", 1)),
            "error_code": spec.get("error_code"),
            "description": spec.get("description"),
            "retry_after": spec.get("retry_after"),
            "delay": spec.get("delay"),
        }
        double.faults.append(fault)
        return ok(True)

    @guarded
    async def settings(request):
        spec = await body(request)
        if "privacy_mode" in spec:
            double.privacy_mode = bool(spec["privacy_mode"])
            double.bot_user["can_read_all_group_messages"] = not double.privacy_mode
        if "rate_limits" in spec:
            double.rate_limits = bool(spec["rate_limits"])
        if "inline_mode" in spec:  # @BotFather's /setinline
            double.bot_user["supports_inline_queries"] = bool(spec["inline_mode"])
        return ok({"privacy_mode": double.privacy_mode, "rate_limits": double.rate_limits,
                   "inline_mode": double.bot_user["supports_inline_queries"]})  # fmt: skip

    @guarded
    async def reset(request):
        double.reset()
        return ok(True)

    @guarded
    async def migrate(request):
        spec = await body(request)
        await double.migrate(int(spec["old"]), int(spec["new"]), spec["by"], notify=bool(spec.get("notify", True)))
        return ok(True)

    @guarded
    async def inline_query(request):
        spec = await body(request)
        if "from" not in spec:
            raise ApiError(400, "an inline query needs 'from': {'id', 'first_name'}")
        return ok(await double.user_inline_query(spec))

    @guarded
    async def inline_choose(request):
        return ok(await double.user_inline_choose(await body(request)))

    async def calls(request):
        return ok(list(double.calls))

    app.router.add_post("/control/message", message)
    app.router.add_post("/control/callback", callback)
    app.router.add_get("/control/chats/{chat_id}/sent", sent)
    app.router.add_get("/control/files/{file_id}", file)
    app.router.add_post("/control/members", members)
    app.router.add_post("/control/faults", faults)
    app.router.add_post("/control/settings", settings)
    app.router.add_post("/control/reset", reset)
    app.router.add_get("/control/calls", calls)
    app.router.add_post("/control/inline_query", inline_query)
    app.router.add_post("/control/inline_choose", inline_choose)
    app.router.add_post("/control/migrate", guarded(migrate))
