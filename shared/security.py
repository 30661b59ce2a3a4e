"""Password and API-key hashing."""

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
API_KEY_PREFIX = "jb_"


_dummy_hash: str | None = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password_or_dummy(password_hash: str | None, password: str) -> bool:
    """Verify against the account's hash, or against a dummy one when there is no account.

    Both paths run one argon2 verification, so a refused login takes as long for an
    unknown e-mail as for a known one and the timing does not tell which e-mails exist.
    """
    global _dummy_hash
    if password_hash is None:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
        verify_password(_dummy_hash, password)
        return False
    return verify_password(password_hash, password)


def new_session_token() -> tuple[str, str]:
    """Return (token for the cookie, SHA-256 stored in the session row)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    # Like API secrets: 256 random bits, so a fast hash suffices and leaks nothing.
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """Return (full key shown once, lookup prefix, stored hash)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = f"{API_KEY_PREFIX}{prefix}_{secret}"
    return key, prefix, hash_api_secret(secret)


def hash_api_secret(secret: str) -> str:
    # API secrets have 256 bits of entropy, so a fast hash is enough; passwords are not.
    return hashlib.sha256(secret.encode()).hexdigest()


def split_api_key(key: str) -> tuple[str, str] | None:
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, sep, secret = key.removeprefix(API_KEY_PREFIX).partition("_")
    if not sep or not prefix or not secret:
        return None
    return prefix, secret


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
