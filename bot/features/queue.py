"""/queue: who waits, in painting order — names only for people of this chat."""

from __future__ import annotations

import html

from sqlalchemy import select
from telegram import Update
from telegram.ext import ContextTypes

from .. import i18n, texts
from ..limits import QUEUE_SHOWN
from ..services import services
from ..storage import Job, User


async def queue_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The queue, in painting order; names only for jobs from this chat."""
    svc, chat_id = services(context), update.effective_chat.id
    i18n.use(svc.languages.shared(chat_id, update.effective_user.id if update.effective_user else None))
    queue = svc.dispatcher.queue
    ids = list(queue.running_jobs) + list(queue.waiting[:QUEUE_SHOWN])
    if not ids:
        group = update.effective_chat.type != "private"
        await update.effective_message.reply_text(texts.QUEUE_EMPTY_GROUP() if group else texts.QUEUE_EMPTY())
        return
    async with svc.db.session() as db_session:
        jobs = {j.id: j for j in (await db_session.execute(select(Job).where(Job.id.in_(ids)))).scalars()}
        names = {
            u.id: u.first_name
            for u in (await db_session.execute(select(User).where(User.id.in_([j.user_id for j in jobs.values()]))))
            .scalars()
            .all()
        }
    lines = [texts.QUEUE_TITLE()]
    for job_id in ids:
        job = jobs.get(job_id)
        if job is None:
            continue
        here = job.chat_id == chat_id
        who = html.escape(names.get(job.user_id) or texts.SOMEONE()) if here else texts.SOMEONE_ELSEWHERE()
        if job_id in queue.running_jobs:
            lines.append(texts.queue_running(who, int(100 * queue.running_fraction(job_id))))
        else:
            lines.append(texts.queue_waiting(queue.position(job_id), who, queue.eta(job_id)))
    more = len(queue.waiting) - QUEUE_SHOWN
    if more > 0:
        lines.append(texts.queue_more(more))
    await update.effective_message.reply_text("\n".join(lines), parse_mode="HTML")
