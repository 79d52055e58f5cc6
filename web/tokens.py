"""The tokens and roles live in service/tokens.py (ops/ needs them and sits below web/); the old name stays."""

from service.tokens import DOES, Caller, Permission, Role, TokenBook, TokenError, issue_token, load_tokens, revoke_token

__all__ = [
    "DOES",
    "Caller",
    "Permission",
    "Role",
    "TokenBook",
    "TokenError",
    "issue_token",
    "load_tokens",
    "revoke_token",
]
