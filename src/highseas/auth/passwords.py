"""Password hashing with argon2id."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from highseas import errors

MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()


@cache
def common_passwords() -> frozenset[str]:
    text = (files("highseas.auth") / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise errors.InvalidInput("password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    if password.lower() in common_passwords():
        raise errors.InvalidInput("password", "is one of the most common passwords; choose another")


def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
