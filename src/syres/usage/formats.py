"""The headers of the canonical usage files of SPEC §12 (no import beyond them: the command
line reads them before it loads the rest)."""

VOICE_HEADER = (
    "call_id",
    "line",
    "start",
    "duration_s",
    "caller",
    "callee",
    "direction",
    "forwarded",
)
MOBILE_HEADER = (
    "record_id",
    "line",
    "start",
    "kind",
    "callee",
    "duration_s",
    "bytes",
    "mcc",
    "forwarded",
)
