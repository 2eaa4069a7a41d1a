"""``make demo``: the whole bot in a browser chat, no Telegram — the Bot API double, the real bot
(real PTB, real engine, SQLite under ``./data/demo``) and a web page that plays the phone."""
