"""Typed engine errors: each carries a message a person can act on, a stable code, and its details."""


class EngineError(Exception):
    """Base of every error the engine raises on purpose (bad input, bad settings, missing weights)."""

    code = "engine_error"

    def __init__(self, message: str, code: str | None = None, params: dict | None = None):
        super().__init__(message)
        self.message = message
        #: the details in the message (sizes, limits), for a caller that words it in another language
        self.params = dict(params or {})
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # pickled whole (a check in another process raises it): code and details kept
        return type(self), (self.message, self.code, self.params)


class ImageError(EngineError):
    """An input picture cannot be used: not an image, broken, too big, too small."""

    code = "bad_image"


class SettingsError(EngineError):
    """A setting is out of range or unknown."""

    code = "bad_settings"


class WeightsError(EngineError):
    """The network weights could not be found, downloaded or understood."""

    code = "bad_weights"
