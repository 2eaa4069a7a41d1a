"""The double's inline mode: a person types ``@bot words`` (``POST /control/inline_query``), the bot
answers with answerInlineQuery (checked as Telegram checks it), and choosing a result
(``POST /control/inline_choose``) sends it into a chat from that person, "via" the bot. Inline mode
is off until switched on (@BotFather's /setinline; here ``inline_mode``)."""

from __future__ import annotations

import asyncio
import itertools
import json

from .errors import ApiError

#: Seconds a person's app waits for the bot's answer before showing nothing.
ANSWER_SECONDS = 10.0
#: The result types the bot may answer with, and the file each one's id names.
CACHED = {"photo": "photo_file_id", "video": "video_file_id", "mpeg4_gif": "mpeg4_file_id",
          "sticker": "sticker_file_id", "document": "document_file_id"}  # fmt: skip


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


class InlineMethods:
    """Mixed into the double (server.TelegramDouble)."""

    def reset_inline(self) -> None:
        self.inline_answers: dict[str, asyncio.Future] = {}
        self.answered: dict[str, dict] = {}  #: query id → the answer, for choosing a result later
        self._inline_ids = itertools.count(1)

    async def user_inline_query(self, spec: dict) -> dict:
        """Deliver an inline query; the bot's answer (its results), or ``results: None`` when it
        did not answer in time."""
        if not self.bot_user.get("supports_inline_queries"):
            raise ApiError(400, "inline mode is off for this bot: switch it on with @BotFather's /setinline")
        user = self.ensure_user(spec["from"])
        query_id = str(6_000_000_000 + next(self._inline_ids))
        waiting = asyncio.get_running_loop().create_future()
        self.inline_answers[query_id] = waiting
        payload = {"id": query_id, "from": user, "query": str(spec.get("query", "")), "offset": "",
                   "chat_type": spec.get("chat_type", "sender")}  # fmt: skip
        await self.push_update("inline_query", payload)
        try:
            answer = await asyncio.wait_for(waiting, ANSWER_SECONDS)
        except TimeoutError:
            answer = None
        finally:
            self.inline_answers.pop(query_id, None)
        return {"inline_query_id": query_id, **(answer or {"results": None})}

    async def api_answerinlinequery(self, params, uploads):
        query_id = str(params.get("inline_query_id", ""))
        waiting = self.inline_answers.get(query_id)
        if waiting is None or waiting.done():
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        results = json.loads(results) if isinstance(results, str) else results
        if not isinstance(results, list) or len(results) > 50:
            raise _bad("RESULTS_TOO_MUCH")
        seen = set()
        for result in results:
            key = str(result.get("id", ""))
            if not 1 <= len(key.encode()) <= 64 or key in seen:
                raise _bad("RESULT_ID_INVALID" if key not in seen else "RESULT_ID_DUPLICATE")
            seen.add(key)
            self._check_result(result)
        answer = {"results": results, "cache_time": int(params.get("cache_time") or 300),
                  "is_personal": str(params.get("is_personal")).lower() == "true"}  # fmt: skip
        self.answered[query_id] = answer
        waiting.set_result(answer)
        return True

    def _check_result(self, result: dict) -> None:
        kind = result.get("type")
        if kind == "article":
            text = (result.get("input_message_content") or {}).get("message_text")
            if not result.get("title") or not text or len(text) > 4096:
                raise _bad("MESSAGE_EMPTY" if not text else "an article needs a title")
            return
        field = CACHED.get(kind)
        if field is None:
            raise _bad(f"unsupported inline result type {kind!r}")
        if self.files.get(str(result.get(field, ""))) is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if kind == "video" and not result.get("title"):
            raise _bad("a video result needs a title")

    async def user_inline_choose(self, spec: dict) -> dict:
        """The person picks one result of an answered query: it is sent into ``chat_id`` from them,
        via the bot (as Telegram posts it); the message as the chat sees it."""
        user = self.ensure_user(spec["from"])
        answer = self.answered.get(str(spec["inline_query_id"]))
        result = next((r for r in (answer or {}).get("results", []) if r["id"] == str(spec["result_id"])), None)
        if result is None:
            raise ApiError(400, "no such result of that inline query")
        chat = self.ensure_chat({"id": int(spec["chat_id"]), "type": spec.get("chat_type", "private")}, user)
        content = self._chosen_content(result)
        message = self.new_message(chat, user, via_bot=dict(self.bot_user), **content)
        self.record(chat["id"], "via_bot", message=message, result_id=result["id"])
        return self.public(message)

    def _chosen_content(self, result: dict) -> dict:
        kind = result["type"]
        if kind == "article":
            return {"text": result["input_message_content"]["message_text"]}
        stored = self.files.get(result[CACHED[kind]])
        caption = {"caption": result["caption"]} if result.get("caption") else {}
        if kind == "photo":
            return {"photo": [stored.photo_size()], **caption}
        if kind == "sticker":
            return {"sticker": dict(stored.extra.get("sticker") or {"file_id": stored.file_id})}
        if kind in ("video", "mpeg4_gif"):
            name = "video" if kind == "video" else "animation"
            return {name: stored.clip(name), **caption}
        return {"document": stored.document(), **caption}
