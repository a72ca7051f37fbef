"""BaseLinker-style API errors answered as ``{"status": "ERROR", "error_code": ..., "error_message": ...}``.

The first five codes are BaseLinker's own (baselinker_api.md §4). The rest are this emulator's stable
convention for situations whose real codes are not public; clients must not branch on them.
"""

from __future__ import annotations

# BaseLinker's codes
BLOCKED_TOKEN = "ERROR_BLOCKED_TOKEN"
USER_ACCOUNT_BLOCKED = "ERROR_USER_ACCOUNT_BLOCKED"
EMPTY_TOKEN = "ERROR_EMPTY_TOKEN"
BAD_TOKEN = "ERROR_BAD_TOKEN"
UNKNOWN_METHOD = "ERROR_UNKNOWN_METHOD"

# emulator convention (baselinker_api.md §4, "Suggested emulator error_code")
PARAMETERS_FORMAT = "ERROR_PARAMETERS_FORMAT"
MISSING_PARAMETER = "ERROR_MISSING_PARAMETER"
INVALID_PARAMETER = "ERROR_INVALID_PARAMETER"
PARAMETER_TOO_LONG = "ERROR_PARAMETER_TOO_LONG"
NOT_FOUND = "ERROR_NOT_FOUND"
DOCUMENT_EXISTS = "ERROR_DOCUMENT_EXISTS"
INVALID_FILE = "ERROR_INVALID_FILE"


class ApiError(Exception):
    """An error answered in the JSON body of an HTTP 200 response."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        return {"status": "ERROR", "error_code": self.code, "error_message": self.message}
