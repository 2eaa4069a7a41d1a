"""The process boundary between the bot and the engine: the job protocol, the EngineClient
interface and its implementations. Knows the engine, never Telegram; loads no torch itself
(the engine process does)."""
