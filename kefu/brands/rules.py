"""Pure brand rules: the signed identity a brand's website passes to the chat. No Django here.

A brand's website knows who is logged in; kefu does not. The website signs the customer's identifier with the
brand's secret (HMAC-SHA256, hex), as Chatwoot's and Intercom's identity verification do, and kefu links the
chat to that customer only when the signature is right. How to compute it: README, 在线客服的客户身份验证.
"""

import hashlib
import hmac
import secrets

SECRET_BYTES = 32


def new_identity_secret() -> str:
    """A fresh secret for a brand: 64 hex characters."""
    return secrets.token_hex(SECRET_BYTES)


def identity_hash(secret: str, identifier: str) -> str:
    """What the brand's website sends as ``identity_hash``: HMAC-SHA256 of the identifier (UTF-8), in hex."""
    return hmac.new(secret.encode(), identifier.encode(), hashlib.sha256).hexdigest()


def identity_valid(secret: str, identifier: str, signature: str) -> bool:
    """Whether ``signature`` is the brand's signature of ``identifier`` (compared in constant time)."""
    if not secret or not identifier or not signature:
        return False
    return hmac.compare_digest(identity_hash(secret, identifier), signature.strip().lower())
