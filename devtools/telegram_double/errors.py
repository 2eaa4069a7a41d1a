"""The double's Bot API error: what a method call answers instead of a result."""


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None, parameters: dict | None = None):
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after
        self.parameters = parameters
