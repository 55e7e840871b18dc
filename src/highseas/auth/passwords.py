"""Password hashing with argon2id, and the strength every new password must have.

Strength is zxcvbn's estimate of how many guesses a password takes — it knows common passwords,
names, keyboard rows, repeats and dates — rather than a length rule alone, which lets
``aaaaaaaa`` and eight spaces through.
"""

from __future__ import annotations

from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from highseas import errors

MIN_PASSWORD_LENGTH = 8
# zxcvbn's 3: "safely unguessable: moderate protection from an offline slow-hash scenario"
# (about 10^8 guesses); argon2id makes each guess slow.
MIN_SCORE = 3
# zxcvbn refuses longer input (its matching is slow past that); a password whose first 72
# characters are strong is strong.
ZXCVBN_MAX_LENGTH = 72
# Words a guesser tries first on a HighSeas server, besides the user's own names.
PRODUCT_WORDS = ("highseas", "公海", "crm")
_hasher = PasswordHasher()


def check_password_strength(password: str, user_inputs: Sequence[str] = ()) -> None:
    """Refuse a password that is short or easy to guess, saying why in zxcvbn's words.

    ``user_inputs`` are the user's username and name: a password made of them is weak.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise errors.InvalidInput("password", f"must be at least {MIN_PASSWORD_LENGTH} characters long")
    inputs = [*PRODUCT_WORDS, *(text for text in user_inputs if text)]
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=inputs)
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        why = " ".join([feedback["warning"], *feedback["suggestions"]]).strip()
        raise errors.InvalidInput("password", f"is too easy to guess. {why}".strip())


def hash_password(password: str, user_inputs: Sequence[str] = ()) -> str:
    check_password_strength(password, user_inputs)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
