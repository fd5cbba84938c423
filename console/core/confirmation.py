"""The typed-token rule every write shares (SQL actions, the index build, Stripe's
redelivery): the operator retypes the preview's token, and a mismatch is refused in one
line that shows what was typed, cut short, and what was left undone."""

from __future__ import annotations


def token_refusal(typed: str | None, token: str, undone: str) -> str | None:
    """None when `typed` is the token (blanks around it aside); else the refusal, such as
    "confirmation refused: typed '12', nothing was changed" for `undone` "nothing was
    changed". Each caller raises it as its own error, with its own prompt."""
    answer = typed.strip() if isinstance(typed, str) else ""
    if answer and answer == token:
        return None
    shown = repr(answer[:24]) if answer else "nothing"
    return f"confirmation refused: typed {shown}, {undone}"
