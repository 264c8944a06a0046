"""One error type for the exporter: printed as a single line by the CLI, never as a trace."""


class ExportError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
